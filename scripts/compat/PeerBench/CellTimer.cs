using System.Diagnostics;

namespace BatchNormAxis.PeerBench;

/// <summary>How long to warm up and how many calls to time, per cell.</summary>
/// <param name="WarmupCalls">At least this many untimed calls first: tiered compilation replaces a method's first,
/// unoptimized code only after about 30 calls.</param>
/// <param name="WarmupSeconds">And untimed calls for at least this long (caches, thread pools, page faults).</param>
/// <param name="Calls">Timed calls, each on its own; the cell's value is their median.</param>
internal sealed record TimingPlan(int WarmupCalls, double WarmupSeconds, int Calls);

/// <summary>
/// A cell's warm-up and its timed calls, two steps so that the paired probe (<see cref="PairedProbe"/>) can run
/// right before and right after the timed calls.
/// </summary>
internal static class CellTimer
{
    /// <summary>Untimed calls until both of the plan's warm-up bounds are met; returns how many were made.</summary>
    public static int WarmUp(Action call, TimingPlan plan)
    {
        long warmupStart = Stopwatch.GetTimestamp();
        int warmupCalls = 0;
        while (warmupCalls < plan.WarmupCalls || Stopwatch.GetElapsedTime(warmupStart).TotalSeconds < plan.WarmupSeconds)
        {
            call();
            warmupCalls++;
        }

        return warmupCalls;
    }

    /// <summary>Times each of <see cref="TimingPlan.Calls"/> calls on its own; returns their median in milliseconds.</summary>
    public static double MedianMs(Action call, TimingPlan plan)
    {
        double[] milliseconds = new double[plan.Calls];
        for (int i = 0; i < milliseconds.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            milliseconds[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(milliseconds);
        int middle = milliseconds.Length / 2;
        return milliseconds.Length % 2 == 1 ? milliseconds[middle] : (milliseconds[middle - 1] + milliseconds[middle]) / 2;
    }
}
