using System.Diagnostics;

namespace BatchNormAxis.PeerBench;

/// <summary>How long to warm up and how many calls to time, per cell.</summary>
/// <param name="WarmupCalls">At least this many untimed calls first: tiered compilation replaces a method's first,
/// unoptimized code only after about 30 calls.</param>
/// <param name="WarmupSeconds">And untimed calls for at least this long (caches, thread pools, page faults).</param>
/// <param name="Calls">Timed calls, each on its own; the cell's value is their median.</param>
internal sealed record TimingPlan(int WarmupCalls, double WarmupSeconds, int Calls);

internal static class CellTimer
{
    /// <summary>Warms up, then times each of <see cref="TimingPlan.Calls"/> calls; returns the median in milliseconds and the number of warm-up calls.</summary>
    public static (double MedianMs, int WarmupCalls) Time(Action call, TimingPlan plan)
    {
        long warmupStart = Stopwatch.GetTimestamp();
        int warmupCalls = 0;
        while (warmupCalls < plan.WarmupCalls || Stopwatch.GetElapsedTime(warmupStart).TotalSeconds < plan.WarmupSeconds)
        {
            call();
            warmupCalls++;
        }

        double[] milliseconds = new double[plan.Calls];
        for (int i = 0; i < milliseconds.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            milliseconds[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(milliseconds);
        int middle = milliseconds.Length / 2;
        double median = milliseconds.Length % 2 == 1 ? milliseconds[middle] : (milliseconds[middle - 1] + milliseconds[middle]) / 2;
        return (median, warmupCalls);
    }
}
