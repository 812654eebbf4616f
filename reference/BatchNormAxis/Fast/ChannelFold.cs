using System.Numerics;

namespace BatchNormAxis;

/// <summary>
/// The per-channel step of a forward call: the call's statistics (from shifted sums, or the moving ones), folded
/// with gamma and beta into one scale and offset per channel (<c>y = x * scale + offset</c>), the moving statistics
/// after the call and the optional mean and variance outputs. Wide keep-sets (axis=[1, 2, 3]: 200704 channels) make
/// this a division and a square root per channel, so float32 and float64 have vector paths (<see cref="Vector{T}"/>,
/// the machine's width); they perform the same double operations in the same order as the scalar path, so all give
/// the same bits.
/// </summary>
internal static class ChannelFold
{
    /// <summary>The inputs of the fold; shift and sums are empty unless the call uses batch statistics.</summary>
    public readonly ref struct Inputs<T>(
        bool useBatchStatistics, ReadOnlySpan<double> shifts, ReadOnlySpan<double> sums, ReadOnlySpan<double> squares, double count, BatchNormOptions options, BatchNormWeights<T> weights)
    {
        public bool UseBatchStatistics { get; } = useBatchStatistics;

        public ReadOnlySpan<double> Shifts { get; } = shifts;

        public ReadOnlySpan<double> Sums { get; } = sums;

        public ReadOnlySpan<double> Squares { get; } = squares;

        public double Count { get; } = count;

        public BatchNormOptions Options { get; } = options;

        public BatchNormWeights<T> Weights { get; } = weights;
    }

    /// <summary>A channel's mean and biased variance from its shift and shifted sums over <paramref name="count"/> values.</summary>
    public static (double Mean, double Variance) StatisticsFromSums(double shift, double sum, double squares, double count)
    {
        double shiftedMean = sum / count;

        // Rounding can leave the difference a hair below zero; the variance is not. Math.Max keeps a NaN.
        double variance = Math.Max((squares / count) - (shiftedMean * shiftedMean), 0);
        return (shift + shiftedMean, variance);
    }

    /// <summary>
    /// Keras 3's masked mean and variance from a channel's shift and the shifted sums over its <paramref name="count"/>
    /// kept values: mean = Σx / (count + ε) and variance = Σ (x - mean)² / (count + ε), ε =
    /// <see cref="ScalarBatchNorm.MaskWeightEpsilon"/>. With d = x - shift, m = Σd / count and δ = mean - shift,
    /// Σ (x - mean)² = (Σd² - m Σd) + count (δ - m)²: the usual shifted form, plus the small term that the ε in the
    /// mean's divisor adds.
    /// </summary>
    public static (double Mean, double Variance) MaskedStatisticsFromSums(double shift, double sum, double squares, double count)
    {
        double weight = count + ScalarBatchNorm.MaskWeightEpsilon;
        double mean = ((count * shift) + sum) / weight;
        double shiftedMean = count > 0 ? sum / count : 0;
        double distance = mean - shift - shiftedMean;

        // Rounding can leave the difference a hair below zero; the sum of squares is not. Math.Max keeps a NaN.
        double squaredDeviations = Math.Max(squares - (shiftedMean * sum), 0) + (count * distance * distance);
        return (mean, squaredDeviations / weight);
    }

    /// <summary>
    /// Each channel's masked mean and variance (<see cref="MaskedStatisticsFromSums"/>), left in the form of sums
    /// the fold reads over one value: <paramref name="shifts"/> ← mean, <paramref name="sums"/> ← 0,
    /// <paramref name="squares"/> ← variance.
    /// </summary>
    public static void ReplaceWithMaskedStatistics(Span<double> shifts, Span<double> sums, Span<double> squares, ReadOnlySpan<double> counts)
    {
        for (int c = 0; c < shifts.Length; c++)
        {
            (shifts[c], squares[c]) = MaskedStatisticsFromSums(shifts[c], sums[c], squares[c], counts[c]);
            sums[c] = 0;
        }
    }

    /// <summary>
    /// <see cref="StatisticsFromSums(double, double, double, double)"/> for every channel of the spans, a vector of
    /// channels at a time with the same operations (so the same bits); <paramref name="mean"/> and
    /// <paramref name="variance"/> may be <paramref name="sums"/> and <paramref name="squares"/> themselves.
    /// </summary>
    public static void StatisticsFromSums(ReadOnlySpan<double> shifts, ReadOnlySpan<double> sums, ReadOnlySpan<double> squares, double count, Span<double> mean, Span<double> variance)
    {
        int c = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var n = new Vector<double>(count);
            for (; c <= shifts.Length - Vector<double>.Count; c += Vector<double>.Count)
            {
                Vector<double> shiftedMean = new Vector<double>(sums[c..]) / n;
                Vector<double> channelVariance = Vector.Max((new Vector<double>(squares[c..]) / n) - (shiftedMean * shiftedMean), Vector<double>.Zero);
                (new Vector<double>(shifts[c..]) + shiftedMean).CopyTo(mean[c..]);
                channelVariance.CopyTo(variance[c..]);
            }
        }

        for (; c < shifts.Length; c++)
        {
            (mean[c], variance[c]) = StatisticsFromSums(shifts[c], sums[c], squares[c], count);
        }
    }

    /// <summary>Channels <paramref name="first"/> to the end, one at a time.</summary>
    public static void Scalar<T>(int first, in Inputs<T> inputs, ForwardDestinations<T> destinations, Span<T> scale, Span<T> offset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        BatchNormOptions options = inputs.Options;
        BatchNormWeights<T> weights = inputs.Weights;
        double keep = options.Momentum;
        for (int c = first; c < scale.Length; c++)
        {
            double movingMean = double.CreateTruncating(weights.MovingMean[c]);
            double movingVariance = double.CreateTruncating(weights.MovingVariance[c]);
            (double mean, double variance) = inputs.UseBatchStatistics
                ? StatisticsFromSums(inputs.Shifts[c], inputs.Sums[c], inputs.Squares[c], inputs.Count)
                : (movingMean, movingVariance);

            double gamma = options.Scale ? double.CreateTruncating(weights.Gamma[c]) : 1.0;
            double beta = options.Center ? double.CreateTruncating(weights.Beta[c]) : 0.0;
            double channelScale = gamma / Math.Sqrt(variance + options.Epsilon);
            scale[c] = T.CreateTruncating(channelScale);
            offset[c] = T.CreateTruncating(beta - (mean * channelScale));
            destinations.MovingMean[c] = T.CreateTruncating(inputs.UseBatchStatistics ? (movingMean * keep) + (mean * (1 - keep)) : movingMean);
            destinations.MovingVariance[c] = T.CreateTruncating(inputs.UseBatchStatistics ? (movingVariance * keep) + (variance * (1 - keep)) : movingVariance);
            if (!destinations.Mean.IsEmpty)
            {
                destinations.Mean[c] = T.CreateTruncating(mean);
            }

            if (!destinations.Variance.IsEmpty)
            {
                destinations.Variance[c] = T.CreateTruncating(variance);
            }
        }
    }

    /// <summary>float32, one float vector of channels at a time in two double vectors; returns how many it did.</summary>
    public static int Float(in Inputs<float> inputs, ForwardDestinations<float> destinations, Span<float> scale, Span<float> offset)
    {
        if (!Vector.IsHardwareAccelerated)
        {
            return 0;
        }

        BatchNormOptions options = inputs.Options;
        BatchNormWeights<float> weights = inputs.Weights;
        var count = new Vector<double>(inputs.Count);
        var epsilon = new Vector<double>(options.Epsilon);
        var keep = new Vector<double>(options.Momentum);
        var fresh = new Vector<double>(1 - options.Momentum);
        int half = Vector<double>.Count;
        int c = 0;
        for (; c <= scale.Length - Vector<float>.Count; c += Vector<float>.Count)
        {
            (Vector<double> movingMean0, Vector<double> movingMean1) = Widen(weights.MovingMean, c);
            (Vector<double> movingVariance0, Vector<double> movingVariance1) = Widen(weights.MovingVariance, c);
            Vector<double> mean0 = movingMean0, mean1 = movingMean1, variance0 = movingVariance0, variance1 = movingVariance1;
            if (inputs.UseBatchStatistics)
            {
                (mean0, variance0) = Statistics(inputs, c, count);
                (mean1, variance1) = Statistics(inputs, c + half, count);
            }

            (Vector<double> gamma0, Vector<double> gamma1) = options.Scale ? Widen(weights.Gamma, c) : (Vector<double>.One, Vector<double>.One);
            (Vector<double> beta0, Vector<double> beta1) = options.Center ? Widen(weights.Beta, c) : (Vector<double>.Zero, Vector<double>.Zero);
            Vector<double> scale0 = gamma0 / Vector.SquareRoot(variance0 + epsilon);
            Vector<double> scale1 = gamma1 / Vector.SquareRoot(variance1 + epsilon);
            Store(scale, c, scale0, scale1);
            Store(offset, c, beta0 - (mean0 * scale0), beta1 - (mean1 * scale1));
            if (inputs.UseBatchStatistics)
            {
                Store(destinations.MovingMean, c, (movingMean0 * keep) + (mean0 * fresh), (movingMean1 * keep) + (mean1 * fresh));
                Store(destinations.MovingVariance, c, (movingVariance0 * keep) + (variance0 * fresh), (movingVariance1 * keep) + (variance1 * fresh));
            }
            else
            {
                Store(destinations.MovingMean, c, movingMean0, movingMean1);
                Store(destinations.MovingVariance, c, movingVariance0, movingVariance1);
            }

            if (!destinations.Mean.IsEmpty)
            {
                Store(destinations.Mean, c, mean0, mean1);
            }

            if (!destinations.Variance.IsEmpty)
            {
                Store(destinations.Variance, c, variance0, variance1);
            }
        }

        return c;
    }

    /// <summary>float64, one double vector of channels at a time, with the operations of the float32 path; returns how many it did.</summary>
    public static int Double(in Inputs<double> inputs, ForwardDestinations<double> destinations, Span<double> scale, Span<double> offset)
    {
        if (!Vector.IsHardwareAccelerated)
        {
            return 0;
        }

        BatchNormOptions options = inputs.Options;
        BatchNormWeights<double> weights = inputs.Weights;
        var count = new Vector<double>(inputs.Count);
        var epsilon = new Vector<double>(options.Epsilon);
        var keep = new Vector<double>(options.Momentum);
        var fresh = new Vector<double>(1 - options.Momentum);
        int c = 0;
        for (; c <= scale.Length - Vector<double>.Count; c += Vector<double>.Count)
        {
            var movingMean = new Vector<double>(weights.MovingMean[c..]);
            var movingVariance = new Vector<double>(weights.MovingVariance[c..]);
            (Vector<double> mean, Vector<double> variance) = inputs.UseBatchStatistics ? Statistics(inputs, c, count) : (movingMean, movingVariance);
            Vector<double> gamma = options.Scale ? new Vector<double>(weights.Gamma[c..]) : Vector<double>.One;
            Vector<double> beta = options.Center ? new Vector<double>(weights.Beta[c..]) : Vector<double>.Zero;
            Vector<double> channelScale = gamma / Vector.SquareRoot(variance + epsilon);
            channelScale.CopyTo(scale[c..]);
            (beta - (mean * channelScale)).CopyTo(offset[c..]);
            (inputs.UseBatchStatistics ? (movingMean * keep) + (mean * fresh) : movingMean).CopyTo(destinations.MovingMean[c..]);
            (inputs.UseBatchStatistics ? (movingVariance * keep) + (variance * fresh) : movingVariance).CopyTo(destinations.MovingVariance[c..]);
            if (!destinations.Mean.IsEmpty)
            {
                mean.CopyTo(destinations.Mean[c..]);
            }

            if (!destinations.Variance.IsEmpty)
            {
                variance.CopyTo(destinations.Variance[c..]);
            }
        }

        return c;
    }

    private static (Vector<double> Mean, Vector<double> Variance) Statistics<T>(in Inputs<T> inputs, int c, Vector<double> count)
    {
        Vector<double> shiftedMean = new Vector<double>(inputs.Sums[c..]) / count;
        Vector<double> variance = Vector.Max((new Vector<double>(inputs.Squares[c..]) / count) - (shiftedMean * shiftedMean), Vector<double>.Zero);
        return (new Vector<double>(inputs.Shifts[c..]) + shiftedMean, variance);
    }

    private static (Vector<double> Low, Vector<double> High) Widen(ReadOnlySpan<float> values, int c)
    {
        Vector.Widen(new Vector<float>(values[c..]), out Vector<double> low, out Vector<double> high);
        return (low, high);
    }

    private static void Store(Span<float> destination, int c, Vector<double> low, Vector<double> high) =>
        Vector.Narrow(low, high).CopyTo(destination[c..]);
}
