using System.Diagnostics;

namespace BatchNormAxis.SideBySide;

/// <summary>How the two builds' calls alternate.</summary>
/// <param name="Pairs">Pairs of blocks, one block of each build; each pair gives one ratio.</param>
/// <param name="CallsPerBlock">Timed calls per block; a block's time is their median.</param>
/// <param name="WarmupCalls">Untimed calls of each build first, alternating: tiered compilation replaces a method's
/// first code only after about 30 calls.</param>
/// <param name="WarmupSeconds">And alternating untimed calls for at least this long.</param>
internal sealed record AlternationPlan(int Pairs, int CallsPerBlock, int WarmupCalls, double WarmupSeconds);

/// <summary>The ratios of one cell: B's block time over A's, per pair.</summary>
internal sealed record PairedTiming(double MedianMsA, double MedianMsB, double Ratio, double RatioLowQuartile, double RatioHighQuartile);

/// <summary>
/// Times two calls alternately in one process: blocks of calls of A and of B, the order flipped every pair (AB, BA,
/// AB, ...) so that a drift of the machine over the run weighs on both. Each block begins with one untimed call, which
/// absorbs what the other build's last block left running (its helper threads spin for a while after each fork) and
/// wakes this build's own helpers.
/// </summary>
internal static class AlternatingTimer
{
    public static void WarmUp(Action a, Action b, int calls, double seconds)
    {
        long start = Stopwatch.GetTimestamp();
        for (int done = 0; done < calls || Stopwatch.GetElapsedTime(start).TotalSeconds < seconds; done++)
        {
            a();
            b();
        }
    }

    public static PairedTiming Time(Action a, Action b, AlternationPlan plan)
    {
        WarmUp(a, b, plan.WarmupCalls, plan.WarmupSeconds);
        var allA = new List<double>(plan.Pairs * plan.CallsPerBlock);
        var allB = new List<double>(plan.Pairs * plan.CallsPerBlock);
        double[] ratios = new double[plan.Pairs];
        double[] block = new double[plan.CallsPerBlock];
        for (int pair = 0; pair < plan.Pairs; pair++)
        {
            double blockA, blockB;
            if (pair % 2 == 0)
            {
                blockA = TimeBlock(a, block, allA);
                blockB = TimeBlock(b, block, allB);
            }
            else
            {
                blockB = TimeBlock(b, block, allB);
                blockA = TimeBlock(a, block, allA);
            }

            ratios[pair] = blockB / blockA;
        }

        return new PairedTiming(
            Quantile([.. allA], 0.5), Quantile([.. allB], 0.5),
            Quantile(ratios, 0.5), Quantile(ratios, 0.25), Quantile(ratios, 0.75));
    }

    /// <summary>One untimed call, then each call of the block timed on its own; returns their median in milliseconds.</summary>
    private static double TimeBlock(Action call, double[] milliseconds, List<double> all)
    {
        call();
        for (int i = 0; i < milliseconds.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            milliseconds[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        all.AddRange(milliseconds);
        return Quantile(milliseconds, 0.5);
    }

    /// <summary>The <paramref name="q"/> quantile, interpolated between the two nearest ranks; sorts <paramref name="values"/>.</summary>
    private static double Quantile(double[] values, double q)
    {
        Array.Sort(values);
        double position = q * (values.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, values.Length - 1);
        return values[below] + ((position - below) * (values[above] - values[below]));
    }
}
