using System.Numerics;
using System.Runtime.CompilerServices;

namespace BatchNormAxis;

/// <summary>
/// The per-channel step of a forward call: the call's statistics (from shifted sums, or the moving ones), folded
/// with gamma and beta into one scale and offset per channel (<c>y = x * scale + offset</c>), the moving statistics
/// after the call and the optional mean and variance outputs. Wide keep-sets (axis=[1, 2, 3]: 200704 channels) make
/// this a division and a square root per channel, so float32 and float64 have vector paths (<see cref="IDoubleLanes{TSelf}"/>:
/// 512-bit vectors where they are fast, else <see cref="Vector{T}"/>); they perform the same double operations in the
/// same order as the scalar path (a division by a power-of-two count done as a multiplication by its exact
/// reciprocal, which rounds to the same double: <see cref="CountDivisor{TLanes}"/>), so all give the same bits.
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
        int c = !Vector.IsHardwareAccelerated ? 0
            : DoubleLanes.Use512 ? StatisticsFromSums<Vector512Lanes>(shifts, sums, squares, count, mean, variance)
            : StatisticsFromSums<VectorLanes>(shifts, sums, squares, count, mean, variance);
        for (; c < shifts.Length; c++)
        {
            (mean[c], variance[c]) = StatisticsFromSums(shifts[c], sums[c], squares[c], count);
        }
    }

    /// <summary>The vector loop of <see cref="StatisticsFromSums(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, double, Span{double}, Span{double})"/>; returns how many channels it did.</summary>
    private static int StatisticsFromSums<TLanes>(ReadOnlySpan<double> shifts, ReadOnlySpan<double> sums, ReadOnlySpan<double> squares, double count, Span<double> mean, Span<double> variance)
        where TLanes : struct, IDoubleLanes<TLanes>
    {
        int n = shifts.Length;
        ref double shift = ref SpanStart.Of(shifts, n);
        ref double sum = ref SpanStart.Of(sums, n);
        ref double square = ref SpanStart.Of(squares, n);
        ref double meanStart = ref SpanStart.Of(mean, n);
        ref double varianceStart = ref SpanStart.Of(variance, n);
        var divisor = new CountDivisor<TLanes>(count);
        int c = 0;
        for (; c <= n - TLanes.Count; c += TLanes.Count)
        {
            (TLanes channelMean, TLanes channelVariance) = Statistics(ref shift, ref sum, ref square, c, divisor);
            TLanes.Store(channelMean, ref meanStart, c);
            TLanes.Store(channelVariance, ref varianceStart, c);
        }

        return c;
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
    /// bounds checks (with <see cref="CountDivisor{TLanes}"/>, side by side on the Zen 3 over 2048 channels in L1: 0.73 to
    /// 0.77 of the time of checked slices and divisions for a count of 32, 0.87 to 0.91 with moving statistics).
    /// </summary>
    public static int Float(in Inputs<float> inputs, ForwardDestinations<float> destinations, Span<float> scale, Span<float> offset) =>
        !Vector.IsHardwareAccelerated ? 0
        : DoubleLanes.Use512 ? Float<Vector512Lanes>(inputs, destinations, scale, offset)
        : Float<VectorLanes>(inputs, destinations, scale, offset);

    private static int Float<TLanes>(in Inputs<float> inputs, ForwardDestinations<float> destinations, Span<float> scale, Span<float> offset)
        where TLanes : struct, IDoubleLanes<TLanes>
    {
        int n = scale.Length;
        BatchNormOptions options = inputs.Options;
        bool batch = inputs.UseBatchStatistics;
        bool withMean = !destinations.Mean.IsEmpty;
        bool withVariance = !destinations.Variance.IsEmpty;
        var divisor = new CountDivisor<TLanes>(inputs.Count);
        TLanes epsilon = TLanes.Create(options.Epsilon);
        TLanes keep = TLanes.Create(options.Momentum);
        TLanes fresh = TLanes.Create(1 - options.Momentum);
        var at = new Starts<float>(inputs, destinations, scale, offset);
        int half = TLanes.Count;
        int c = 0;
        for (; c <= n - (2 * half); c += 2 * half)
        {
            (TLanes movingMean0, TLanes movingMean1) = TLanes.LoadWidened(ref at.MovingMean, c);
            (TLanes movingVariance0, TLanes movingVariance1) = TLanes.LoadWidened(ref at.MovingVariance, c);
            TLanes mean0 = movingMean0, mean1 = movingMean1, variance0 = movingVariance0, variance1 = movingVariance1;
            if (batch)
            {
                (mean0, variance0) = Statistics(ref at.Shift, ref at.Sum, ref at.Square, c, divisor);
                (mean1, variance1) = Statistics(ref at.Shift, ref at.Sum, ref at.Square, c + half, divisor);
            }

            (TLanes gamma0, TLanes gamma1) = options.Scale ? TLanes.LoadWidened(ref at.Gamma, c) : (TLanes.One, TLanes.One);
            (TLanes beta0, TLanes beta1) = options.Center ? TLanes.LoadWidened(ref at.Beta, c) : (TLanes.Zero, TLanes.Zero);
            TLanes scale0 = gamma0 / TLanes.SquareRoot(variance0 + epsilon);
            TLanes scale1 = gamma1 / TLanes.SquareRoot(variance1 + epsilon);
            TLanes.StoreNarrowed(scale0, scale1, ref at.Scale, c);
            TLanes.StoreNarrowed(beta0 - (mean0 * scale0), beta1 - (mean1 * scale1), ref at.Offset, c);
            if (batch)
            {
                TLanes.StoreNarrowed((movingMean0 * keep) + (mean0 * fresh), (movingMean1 * keep) + (mean1 * fresh), ref at.NewMovingMean, c);
                TLanes.StoreNarrowed((movingVariance0 * keep) + (variance0 * fresh), (movingVariance1 * keep) + (variance1 * fresh), ref at.NewMovingVariance, c);
            }
            else
            {
                TLanes.StoreNarrowed(movingMean0, movingMean1, ref at.NewMovingMean, c);
                TLanes.StoreNarrowed(movingVariance0, movingVariance1, ref at.NewMovingVariance, c);
            }

            if (withMean)
            {
                TLanes.StoreNarrowed(mean0, mean1, ref at.Mean, c);
            }

            if (withVariance)
            {
                TLanes.StoreNarrowed(variance0, variance1, ref at.Variance, c);
            }
        }

        return c;
    }

    /// <summary>float64, one double vector of channels at a time, with the operations of the float32 path; returns how many it did.</summary>
    public static int Double(in Inputs<double> inputs, ForwardDestinations<double> destinations, Span<double> scale, Span<double> offset) =>
        !Vector.IsHardwareAccelerated ? 0
        : DoubleLanes.Use512 ? Double<Vector512Lanes>(inputs, destinations, scale, offset)
        : Double<VectorLanes>(inputs, destinations, scale, offset);

    private static int Double<TLanes>(in Inputs<double> inputs, ForwardDestinations<double> destinations, Span<double> scale, Span<double> offset)
        where TLanes : struct, IDoubleLanes<TLanes>
    {
        int n = scale.Length;
        BatchNormOptions options = inputs.Options;
        bool batch = inputs.UseBatchStatistics;
        bool withMean = !destinations.Mean.IsEmpty;
        bool withVariance = !destinations.Variance.IsEmpty;
        var divisor = new CountDivisor<TLanes>(inputs.Count);
        TLanes epsilon = TLanes.Create(options.Epsilon);
        TLanes keep = TLanes.Create(options.Momentum);
        TLanes fresh = TLanes.Create(1 - options.Momentum);
        var at = new Starts<double>(inputs, destinations, scale, offset);
        int c = 0;
        for (; c <= n - TLanes.Count; c += TLanes.Count)
        {
            TLanes movingMean = TLanes.Load(ref at.MovingMean, c);
            TLanes movingVariance = TLanes.Load(ref at.MovingVariance, c);
            (TLanes mean, TLanes variance) = batch ? Statistics(ref at.Shift, ref at.Sum, ref at.Square, c, divisor) : (movingMean, movingVariance);
            TLanes gamma = options.Scale ? TLanes.Load(ref at.Gamma, c) : TLanes.One;
            TLanes beta = options.Center ? TLanes.Load(ref at.Beta, c) : TLanes.Zero;
            TLanes channelScale = gamma / TLanes.SquareRoot(variance + epsilon);
            TLanes.Store(channelScale, ref at.Scale, c);
            TLanes.Store(beta - (mean * channelScale), ref at.Offset, c);
            TLanes.Store(batch ? (movingMean * keep) + (mean * fresh) : movingMean, ref at.NewMovingMean, c);
            TLanes.Store(batch ? (movingVariance * keep) + (variance * fresh) : movingVariance, ref at.NewMovingVariance, c);
            if (withMean)
            {
                TLanes.Store(mean, ref at.Mean, c);
            }

            if (withVariance)
            {
                TLanes.Store(variance, ref at.Variance, c);
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
    private static (TLanes Mean, TLanes Variance) Statistics<TLanes>(ref double shift, ref double sum, ref double square, int c, CountDivisor<TLanes> count)
        where TLanes : struct, IDoubleLanes<TLanes>
    {
        TLanes shiftedMean = count.Divide(TLanes.Load(ref sum, c));
        TLanes variance = TLanes.Max(count.Divide(TLanes.Load(ref square, c)) - (shiftedMean * shiftedMean), TLanes.Zero);
        return (TLanes.Load(ref shift, c) + shiftedMean, variance);
    }
}
