using System.Numerics;
using System.Runtime.CompilerServices;

namespace BatchNormAxis;

/// <summary>
/// The per-channel step of a forward call: the call's statistics (from shifted sums, or the moving ones), folded
/// with gamma and beta into one scale and offset per channel (<c>y = x * scale + offset</c>), the moving statistics
/// after the call and the optional mean and variance outputs. Wide keep-sets (axis=[1, 2, 3]: 200704 channels) make
/// this a division and a square root per channel, so float32 and float64 have vector paths (<see cref="Vector{T}"/>,
/// the machine's width); they perform the same double operations in the same order as the scalar path (a division
/// by a power-of-two count done as a multiplication by its exact reciprocal, which rounds to the same double:
/// <see cref="CountDivisor"/>), so all give the same bits.
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
            int n = shifts.Length;
            ref double shift = ref SpanStart.Of(shifts, n);
            ref double sum = ref SpanStart.Of(sums, n);
            ref double square = ref SpanStart.Of(squares, n);
            ref double meanStart = ref SpanStart.Of(mean, n);
            ref double varianceStart = ref SpanStart.Of(variance, n);
            var divisor = new CountDivisor(count);
            for (; c <= n - Vector<double>.Count; c += Vector<double>.Count)
            {
                (Vector<double> channelMean, Vector<double> channelVariance) = Statistics(ref shift, ref sum, ref square, c, divisor);
                channelMean.StoreUnsafe(ref meanStart, (nuint)c);
                channelVariance.StoreUnsafe(ref varianceStart, (nuint)c);
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

    /// <summary>
    /// float32, one float vector of channels at a time in two double vectors; returns how many it did. Every span is
    /// cut to the channels' count before the loop (a short one throws there), so the loop loads and stores without
    /// bounds checks (with <see cref="CountDivisor"/>, side by side on the Zen 3 over 2048 channels in L1: 0.73 to
    /// 0.77 of the time of checked slices and divisions for a count of 32, 0.87 to 0.91 with moving statistics).
    /// </summary>
    public static int Float(in Inputs<float> inputs, ForwardDestinations<float> destinations, Span<float> scale, Span<float> offset)
    {
        if (!Vector.IsHardwareAccelerated)
        {
            return 0;
        }

        int n = scale.Length;
        BatchNormOptions options = inputs.Options;
        bool batch = inputs.UseBatchStatistics;
        bool withMean = !destinations.Mean.IsEmpty;
        bool withVariance = !destinations.Variance.IsEmpty;
        var divisor = new CountDivisor(inputs.Count);
        var epsilon = new Vector<double>(options.Epsilon);
        var keep = new Vector<double>(options.Momentum);
        var fresh = new Vector<double>(1 - options.Momentum);
        var at = new Starts<float>(inputs, destinations, scale, offset);
        int half = Vector<double>.Count;
        int c = 0;
        for (; c <= n - Vector<float>.Count; c += Vector<float>.Count)
        {
            (Vector<double> movingMean0, Vector<double> movingMean1) = Widen(ref at.MovingMean, c);
            (Vector<double> movingVariance0, Vector<double> movingVariance1) = Widen(ref at.MovingVariance, c);
            Vector<double> mean0 = movingMean0, mean1 = movingMean1, variance0 = movingVariance0, variance1 = movingVariance1;
            if (batch)
            {
                (mean0, variance0) = Statistics(ref at.Shift, ref at.Sum, ref at.Square, c, divisor);
                (mean1, variance1) = Statistics(ref at.Shift, ref at.Sum, ref at.Square, c + half, divisor);
            }

            (Vector<double> gamma0, Vector<double> gamma1) = options.Scale ? Widen(ref at.Gamma, c) : (Vector<double>.One, Vector<double>.One);
            (Vector<double> beta0, Vector<double> beta1) = options.Center ? Widen(ref at.Beta, c) : (Vector<double>.Zero, Vector<double>.Zero);
            Vector<double> scale0 = gamma0 / Vector.SquareRoot(variance0 + epsilon);
            Vector<double> scale1 = gamma1 / Vector.SquareRoot(variance1 + epsilon);
            Store(ref at.Scale, c, scale0, scale1);
            Store(ref at.Offset, c, beta0 - (mean0 * scale0), beta1 - (mean1 * scale1));
            if (batch)
            {
                Store(ref at.NewMovingMean, c, (movingMean0 * keep) + (mean0 * fresh), (movingMean1 * keep) + (mean1 * fresh));
                Store(ref at.NewMovingVariance, c, (movingVariance0 * keep) + (variance0 * fresh), (movingVariance1 * keep) + (variance1 * fresh));
            }
            else
            {
                Store(ref at.NewMovingMean, c, movingMean0, movingMean1);
                Store(ref at.NewMovingVariance, c, movingVariance0, movingVariance1);
            }

            if (withMean)
            {
                Store(ref at.Mean, c, mean0, mean1);
            }

            if (withVariance)
            {
                Store(ref at.Variance, c, variance0, variance1);
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

        int n = scale.Length;
        BatchNormOptions options = inputs.Options;
        bool batch = inputs.UseBatchStatistics;
        bool withMean = !destinations.Mean.IsEmpty;
        bool withVariance = !destinations.Variance.IsEmpty;
        var divisor = new CountDivisor(inputs.Count);
        var epsilon = new Vector<double>(options.Epsilon);
        var keep = new Vector<double>(options.Momentum);
        var fresh = new Vector<double>(1 - options.Momentum);
        var at = new Starts<double>(inputs, destinations, scale, offset);
        int c = 0;
        for (; c <= n - Vector<double>.Count; c += Vector<double>.Count)
        {
            var movingMean = Vector.LoadUnsafe(ref at.MovingMean, (nuint)c);
            var movingVariance = Vector.LoadUnsafe(ref at.MovingVariance, (nuint)c);
            (Vector<double> mean, Vector<double> variance) = batch ? Statistics(ref at.Shift, ref at.Sum, ref at.Square, c, divisor) : (movingMean, movingVariance);
            Vector<double> gamma = options.Scale ? Vector.LoadUnsafe(ref at.Gamma, (nuint)c) : Vector<double>.One;
            Vector<double> beta = options.Center ? Vector.LoadUnsafe(ref at.Beta, (nuint)c) : Vector<double>.Zero;
            Vector<double> channelScale = gamma / Vector.SquareRoot(variance + epsilon);
            channelScale.StoreUnsafe(ref at.Scale, (nuint)c);
            (beta - (mean * channelScale)).StoreUnsafe(ref at.Offset, (nuint)c);
            (batch ? (movingMean * keep) + (mean * fresh) : movingMean).StoreUnsafe(ref at.NewMovingMean, (nuint)c);
            (batch ? (movingVariance * keep) + (variance * fresh) : movingVariance).StoreUnsafe(ref at.NewMovingVariance, (nuint)c);
            if (withMean)
            {
                mean.StoreUnsafe(ref at.Mean, (nuint)c);
            }

            if (withVariance)
            {
                variance.StoreUnsafe(ref at.Variance, (nuint)c);
            }
        }

        return c;
    }

    /// <summary>
    /// Where each span of a fold begins, every one cut to the channels' count first (a short span throws here, so
    /// the loops may load and store without bounds checks); the spans a call does not use begin nowhere.
    /// </summary>
    private readonly ref struct Starts<T>
        where T : unmanaged
    {
        public readonly ref T MovingMean;
        public readonly ref T MovingVariance;
        public readonly ref T Gamma;
        public readonly ref T Beta;
        public readonly ref double Shift;
        public readonly ref double Sum;
        public readonly ref double Square;
        public readonly ref T Scale;
        public readonly ref T Offset;
        public readonly ref T NewMovingMean;
        public readonly ref T NewMovingVariance;
        public readonly ref T Mean;
        public readonly ref T Variance;

        public Starts(in Inputs<T> inputs, ForwardDestinations<T> destinations, Span<T> scale, Span<T> offset)
        {
            int n = scale.Length;
            bool batch = inputs.UseBatchStatistics;
            MovingMean = ref SpanStart.Of(inputs.Weights.MovingMean, n);
            MovingVariance = ref SpanStart.Of(inputs.Weights.MovingVariance, n);
            Gamma = ref inputs.Options.Scale ? ref SpanStart.Of(inputs.Weights.Gamma, n) : ref Unsafe.NullRef<T>();
            Beta = ref inputs.Options.Center ? ref SpanStart.Of(inputs.Weights.Beta, n) : ref Unsafe.NullRef<T>();
            Shift = ref batch ? ref SpanStart.Of(inputs.Shifts, n) : ref Unsafe.NullRef<double>();
            Sum = ref batch ? ref SpanStart.Of(inputs.Sums, n) : ref Unsafe.NullRef<double>();
            Square = ref batch ? ref SpanStart.Of(inputs.Squares, n) : ref Unsafe.NullRef<double>();
            Scale = ref SpanStart.Of(scale, n);
            Offset = ref SpanStart.Of(offset, n);
            NewMovingMean = ref SpanStart.Of(destinations.MovingMean, n);
            NewMovingVariance = ref SpanStart.Of(destinations.MovingVariance, n);
            Mean = ref destinations.Mean.IsEmpty ? ref Unsafe.NullRef<T>() : ref SpanStart.Of(destinations.Mean, n);
            Variance = ref destinations.Variance.IsEmpty ? ref Unsafe.NullRef<T>() : ref SpanStart.Of(destinations.Variance, n);
        }
    }

    /// <summary><see cref="StatisticsFromSums(double, double, double, double)"/> on the vector of channels from <paramref name="c"/>.</summary>
    private static (Vector<double> Mean, Vector<double> Variance) Statistics(ref double shift, ref double sum, ref double square, int c, CountDivisor count)
    {
        Vector<double> shiftedMean = count.Divide(Vector.LoadUnsafe(ref sum, (nuint)c));
        Vector<double> variance = Vector.Max(count.Divide(Vector.LoadUnsafe(ref square, (nuint)c)) - (shiftedMean * shiftedMean), Vector<double>.Zero);
        return (Vector.LoadUnsafe(ref shift, (nuint)c) + shiftedMean, variance);
    }

    private static (Vector<double> Low, Vector<double> High) Widen(ref float values, int c)
    {
        Vector.Widen(Vector.LoadUnsafe(ref values, (nuint)c), out Vector<double> low, out Vector<double> high);
        return (low, high);
    }

    private static void Store(ref float destination, int c, Vector<double> low, Vector<double> high) =>
        Vector.Narrow(low, high).StoreUnsafe(ref destination, (nuint)c);
}
