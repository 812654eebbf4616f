namespace BatchNormAxis.Tests.Docs;

/// <summary>
/// What one normalization computes on one tensor: the statistics (in <see cref="StatisticsShape"/>, row-major), the
/// output, and the shape of the layer's per-feature parameters.
/// </summary>
internal sealed record NormalizationResult(int[] StatisticsShape, double[] Mean, double[] Variance, double[] MeanSquare, double[] Y, int[] ParameterShape);

/// <summary>
/// LayerNormalization, GroupNormalization (and InstanceNormalization as its <c>groups=-1</c>) and RMSNormalization as
/// Keras 3 defines them, written plainly in double precision so that docs/normalization-layers.md can print their
/// numbers. They are not part of the library: the project is about BatchNormalization, and these exist only so that
/// the page compares like with like. Fresh layers: <c>gamma</c> and <c>scale</c> 1, <c>beta</c> 0.
/// </summary>
internal static class OtherNormalizations
{
    /// <summary>Keras 3.15.1's default epsilons: layer_normalization.py line 108, group_normalization.py line 71, rms_normalization.py line 45.</summary>
    public const double LayerNormEpsilon = 1e-3, GroupNormEpsilon = 1e-3, RmsNormEpsilon = 1e-6;

    /// <summary>
    /// <c>LayerNormalization(axis=axes)</c>: one mean and variance per position along the axes <b>not</b> named, over
    /// the named ones; <c>gamma</c> and <c>beta</c> span the named axes (layer_normalization.py lines 153-184).
    /// </summary>
    public static NormalizationResult LayerNorm(double[] x, int[] shape, int[] axes, double epsilon)
    {
        int[] normalized = Normalize(axes, shape.Length);
        int[] kept = [.. Enumerable.Range(0, shape.Length).Where(a => !normalized.Contains(a))];
        (int[] statisticOf, int[] statisticsShape) = PerPosition(shape, kept);
        return Standardize(x, statisticOf, statisticsShape, epsilon, [.. normalized.Select(a => shape[a])]);
    }

    /// <summary>
    /// <c>GroupNormalization(groups, axis)</c>: the channel axis split into <paramref name="groups"/> groups of
    /// consecutive channels; one mean and variance per sample and group, over every other axis and the channels of
    /// the group; <c>gamma</c> and <c>beta</c> one per channel (group_normalization.py lines 132-212).
    /// <paramref name="groups"/> -1 is one channel per group: instance normalization (lines 113-114).
    /// </summary>
    public static NormalizationResult GroupNorm(double[] x, int[] shape, int groups, int axis, double epsilon)
    {
        int channelAxis = Normalize([axis], shape.Length).Single();
        int channels = shape[channelAxis];
        groups = groups == -1 ? channels : groups;
        if (groups <= 0 || channels % groups != 0)
        {
            throw new ArgumentException($"groups {groups} does not divide the {channels} channels", nameof(groups));
        }

        int perGroup = channels / groups;
        int[] statisticOf = new int[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int[] index = Unravel(i, shape);
            statisticOf[i] = (index[0] * groups) + (index[channelAxis] / perGroup);
        }

        return Standardize(x, statisticOf, [shape[0], groups], epsilon, [channels]);
    }

    /// <summary>
    /// <c>RMSNormalization(axis)</c>: no mean is subtracted; <c>x / sqrt(mean(x²) + epsilon)</c> over the named axes,
    /// times <c>scale</c>, which spans them (rms_normalization.py lines 50-76; ops/nn.py lines 3046-3051).
    /// </summary>
    public static NormalizationResult RmsNorm(double[] x, int[] shape, int[] axes, double epsilon)
    {
        int[] normalized = Normalize(axes, shape.Length);
        int[] kept = [.. Enumerable.Range(0, shape.Length).Where(a => !normalized.Contains(a))];
        (int[] statisticOf, int[] statisticsShape) = PerPosition(shape, kept);
        double[] meanSquare = new double[statisticsShape.Aggregate(1, (p, d) => p * d)];
        double[] count = new double[meanSquare.Length];
        for (int i = 0; i < x.Length; i++)
        {
            meanSquare[statisticOf[i]] += x[i] * x[i];
            count[statisticOf[i]]++;
        }

        for (int s = 0; s < meanSquare.Length; s++)
        {
            meanSquare[s] /= count[s];
        }

        double[] y = [.. x.Select((value, i) => value / Math.Sqrt(meanSquare[statisticOf[i]] + epsilon))];
        return new NormalizationResult(statisticsShape, [], [], meanSquare, y, [.. normalized.Select(a => shape[a])]);
    }

    /// <summary>Two-pass mean and biased variance per statistic, then <c>(x - mean) / sqrt(variance + epsilon)</c>.</summary>
    private static NormalizationResult Standardize(double[] x, int[] statisticOf, int[] statisticsShape, double epsilon, int[] parameterShape)
    {
        int statistics = statisticsShape.Aggregate(1, (p, d) => p * d);
        double[] mean = new double[statistics], variance = new double[statistics], count = new double[statistics];
        for (int i = 0; i < x.Length; i++)
        {
            mean[statisticOf[i]] += x[i];
            count[statisticOf[i]]++;
        }

        for (int s = 0; s < statistics; s++)
        {
            mean[s] /= count[s];
        }

        for (int i = 0; i < x.Length; i++)
        {
            double deviation = x[i] - mean[statisticOf[i]];
            variance[statisticOf[i]] += deviation * deviation;
        }

        for (int s = 0; s < statistics; s++)
        {
            variance[s] /= count[s];
        }

        double[] y = [.. x.Select((value, i) => (value - mean[statisticOf[i]]) / Math.Sqrt(variance[statisticOf[i]] + epsilon))];
        return new NormalizationResult(statisticsShape, mean, variance, [], y, parameterShape);
    }

    /// <summary>For each element, the row-major index of its position along the <paramref name="kept"/> axes.</summary>
    private static (int[] StatisticOf, int[] StatisticsShape) PerPosition(int[] shape, int[] kept)
    {
        int[] statisticsShape = [.. kept.Select(a => shape[a])];
        int length = shape.Aggregate(1, (p, d) => p * d);
        int[] statisticOf = new int[length];
        for (int i = 0; i < length; i++)
        {
            int[] index = Unravel(i, shape);
            statisticOf[i] = kept.Aggregate(0, (flat, a) => (flat * shape[a]) + index[a]);
        }

        return (statisticOf, statisticsShape);
    }

    private static int[] Normalize(int[] axes, int rank) =>
        [.. axes.Select(a => a < 0 ? a + rank : a).Order()];

    private static int[] Unravel(int flat, int[] shape)
    {
        int[] index = new int[shape.Length];
        for (int a = shape.Length - 1; a >= 0; a--)
        {
            index[a] = flat % shape[a];
            flat /= shape[a];
        }

        return index;
    }
}
