using System.Collections.Immutable;
using System.Numerics;

namespace BatchNormAxis.Conformance.Diagnosis;

/// <summary>
/// Batch normalization with one known-wrong convention, computed in double like the scalar reference (the single
/// pass variance in float32 for float32 data, where its cancellation shows). The diagnosis runs a failing case
/// through each variant and names the ones the implementation's outputs match.
/// </summary>
/// <remarks>
/// <see cref="WrongConvention.Float64ComputedInFloat32"/> on float64 data does what Keras 3.12+ does outside
/// TensorFlow (<c>keras/src/layers/normalization/batch_normalization.py</c> lines 345-405 at v3.15.1): the input,
/// gamma, beta, the moving statistics, momentum and epsilon rounded to float32; the computation in float32 (here:
/// in double on those float32 values, which a float32 computation matches within the float32 error model); every
/// result rounded to float32 and stored as float64. Moving statistics a call does not assign (inference, frozen)
/// come back exactly as given. On other dtypes the variant is the correct computation.
/// <para>Of the mistakes, only <see cref="WrongConvention.Float64ComputedInFloat32"/> is modelled for batch renormalization
/// (<see cref="RenormInFloat32"/>); under every other variant a renorm layer gets the reference's answer, so no other
/// variant explains a renorm failure.</para>
/// </remarks>
/// <param name="convention">The mistake to make.</param>
public sealed class ConventionVariant(WrongConvention convention) : IBatchNormalization
{
    /// <summary>A variant making two mistakes at once (e.g. a frozen layer ignored by a framework with an unbiased moving variance).</summary>
    /// <param name="convention">The first mistake.</param>
    /// <param name="also">The second mistake; not one of the same kind (two axis readings, two weight swaps).</param>
    public ConventionVariant(WrongConvention convention, WrongConvention also)
        : this(convention) => Also = also;

    /// <summary>The mistake this variant makes.</summary>
    public WrongConvention Convention { get; } = convention;

    /// <summary>The second mistake, if any.</summary>
    public WrongConvention? Also { get; }

    /// <summary>
    /// For <see cref="WrongConvention.WrongReductionAxes"/>: the axes the batch statistics keep (every other axis is
    /// reduced; empty: statistics over every axis, broadcast into every moving statistic). Parameters stay per channel.
    /// </summary>
    public ImmutableArray<int> StatisticKeptAxes { get; init; } = [];

    /// <summary>For <see cref="WrongConvention.GammaBetaSwapped"/>: only dgamma and dbeta come out swapped; the weights are read right.</summary>
    public bool GradientsOnly { get; init; }

    /// <inheritdoc/>
    public string Name => (Also is { } also ? $"variant-{Convention}+{also}" : $"variant-{Convention}")
        + (Has(WrongConvention.WrongReductionAxes) ? $"({string.Join(",", StatisticKeptAxes)})" : "")
        + (GradientsOnly ? "-gradients-only" : "");

    /// <inheritdoc/>
    public void Forward<T>(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<T> x, BatchNormWeights<T> weights, ForwardDestinations<T> destinations, ReadOnlySpan<bool> mask = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Renorm is not null)
        {
            RenormCalls<T>().Forward(layout, options, training, x, weights, destinations, mask);
            return;
        }

        Func<double, double> precision = Precision<T>();
        options = Hyperparameters<T>(options);
        Layer layer = Layer.Read(layout, options, weights, Has, precision, GradientsOnly);
        double[] input = Wide(x, precision);
        bool useBatch = training && (options.Trainable || Has(WrongConvention.FrozenIgnored));
        int[] parameterOf = ParameterChannels(layout);

        // Moving statistics are per parameter channel; only batch statistics can be grouped over the wrong axes.
        (int[] groupOf, int statisticCount) = useBatch ? StatisticGroups(layout) : (parameterOf, layout.ChannelCount);
        (double[] mean, double[] variance) = useBatch
            ? Statistics<T>(input, groupOf, statisticCount, mask, layout.Shape[^1])
            : (layer.MovingMean, layer.MovingVariance);

        // TF.js computes the statistics per channel correctly, then its kernel reads them with the cyclic index.
        int[] statisticOf = Has(WrongConvention.ChannelAsLastAxis) ? parameterOf : groupOf;

        double[] y = new double[input.Length];
        for (int i = 0; i < input.Length; i++)
        {
            int s = statisticOf[i];
            int p = parameterOf[i];
            y[i] = (layer.Gamma[p] * ((input[i] - mean[s]) / Deviation(variance[s], options.Epsilon))) + layer.Beta[p];
        }

        // Statistics the call does not assign come back exactly as the layer holds them, even from a float32 computation.
        Layer held = Layer.Read(layout, options, weights, Has, static v => v);
        double[] newMean = held.MovingMean;
        double[] newVariance = held.MovingVariance;
        bool broadcast = statisticCount == 1 && Has(WrongConvention.WrongReductionAxes);
        if (useBatch && (statisticCount == layout.ChannelCount || broadcast) && !Has(WrongConvention.MovingStatisticsNotUpdated))
        {
            double keep = Has(WrongConvention.PyTorchMomentum) ? 1 - options.Momentum : options.Momentum;
            double n = layout.ReductionCount;
            for (int c = 0; c < newMean.Length; c++)
            {
                // n/(n-1) as written: with one value per channel it is 0 * 1/0, a NaN moving variance (PyTorch's ATen op).
                int s = broadcast ? 0 : c;
                double batchVariance = Has(WrongConvention.UnbiasedMovingVariance) ? variance[s] * n / (n - 1) : variance[s];
                newMean[c] = precision((layer.MovingMean[c] * keep) + (mean[s] * (1 - keep)));
                newVariance[c] = precision((layer.MovingVariance[c] * keep) + (batchVariance * (1 - keep)));
            }

            if (Has(WrongConvention.MovingStatisticsSwappedOnWrite))
            {
                (newMean, newVariance) = (newVariance, newMean);
            }
        }

        Narrow(y, destinations.Y, precision);
        Narrow(newMean, destinations.MovingMean, static v => v);
        Narrow(newVariance, destinations.MovingVariance, static v => v);
    }

    /// <inheritdoc/>
    public void Backward<T>(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, BatchNormWeights<T> weights, BackwardDestinations<T> destinations)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Renorm is not null)
        {
            RenormCalls<T>().Backward(layout, options, training, x, dy, weights, destinations);
            return;
        }

        Func<double, double> precision = Precision<T>();
        options = Hyperparameters<T>(options);
        Layer layer = Layer.Read(layout, options, weights, Has, precision, GradientsOnly);
        double[] input = Wide(x, precision);
        double[] gradient = Wide(dy, precision);
        bool useBatch = training && (options.Trainable || Has(WrongConvention.FrozenIgnored));
        int[] parameterOf = ParameterChannels(layout);
        (int[] groupOf, int statisticCount) = useBatch ? StatisticGroups(layout) : (parameterOf, layout.ChannelCount);
        (double[] mean, double[] variance) = useBatch
            ? Statistics<T>(input, groupOf, statisticCount, default, layout.Shape[^1])
            : (layer.MovingMean, layer.MovingVariance);
        int[] statisticOf = Has(WrongConvention.ChannelAsLastAxis) ? parameterOf : groupOf;
        double count = (double)input.Length / statisticCount;

        double[] normalized = new double[input.Length];
        double[] sumDy = new double[statisticCount];
        double[] sumDyNormalized = new double[statisticCount];
        for (int i = 0; i < input.Length; i++)
        {
            int s = statisticOf[i];
            normalized[i] = (input[i] - mean[s]) / Deviation(variance[s], options.Epsilon);
            sumDy[s] += gradient[i];
            sumDyNormalized[s] += gradient[i] * normalized[i];
        }

        double[] dx = new double[input.Length];
        double[] dgamma = new double[layout.ChannelCount];
        double[] dbeta = new double[layout.ChannelCount];
        for (int i = 0; i < input.Length; i++)
        {
            int s = statisticOf[i];
            int p = parameterOf[i];
            double scale = layer.Gamma[p] / Deviation(variance[s], options.Epsilon);
            dx[i] = useBatch ? scale * (gradient[i] - (sumDy[s] / count) - (normalized[i] * sumDyNormalized[s] / count)) : scale * gradient[i];
            dgamma[p] += gradient[i] * normalized[i];
            dbeta[p] += gradient[i];
        }

        if (Has(WrongConvention.GammaBetaSwapped))
        {
            (dgamma, dbeta) = (dbeta, dgamma);
        }

        Narrow(dx, destinations.Dx, precision);
        if (options.Scale)
        {
            Narrow(dgamma, destinations.Dgamma, precision);
        }

        if (options.Center)
        {
            Narrow(dbeta, destinations.Dbeta, precision);
        }
    }

    private bool Has(WrongConvention mistake) => Convention == mistake || Also == mistake;

    /// <summary>Who computes a renorm call: the float32 computation under <see cref="WrongConvention.Float64ComputedInFloat32"/> on float64 data, else the reference.</summary>
    private IBatchNormalization RenormCalls<T>() => InFloat32<T>() ? RenormInFloat32.Instance : ScalarBatchNorm.Instance;

    /// <summary>Whether this variant computes data of type T in float32: float64 data under <see cref="WrongConvention.Float64ComputedInFloat32"/>.</summary>
    private bool InFloat32<T>() => Has(WrongConvention.Float64ComputedInFloat32) && typeof(T) == typeof(double);

    /// <summary>What every value the computation reads or writes is rounded to: float32, or nothing.</summary>
    private Func<double, double> Precision<T>() => InFloat32<T>() ? static v => (float)v : static v => v;

    /// <summary>
    /// The hyperparameters as the variant sees them: rounded to float32 for <see cref="WrongConvention.Float32Hyperparameters"/>,
    /// and in a float32 computation (Keras multiplies float32 tensors by the Python floats, which every backend
    /// applies in the tensor's float32).
    /// </summary>
    private BatchNormOptions Hyperparameters<T>(BatchNormOptions options) =>
        Has(WrongConvention.Float32Hyperparameters) || InFloat32<T>() ? options with { Momentum = (float)options.Momentum, Epsilon = (float)options.Epsilon } : options;


    private double Deviation(double variance, double epsilon) =>
        Has(WrongConvention.EpsilonOutsideRoot) ? Math.Sqrt(variance) + epsilon : Math.Sqrt(variance + epsilon);

    /// <summary>Which group each element's batch statistics are taken over, and how many groups there are.</summary>
    private (int[] ChannelOf, int Count) StatisticGroups(AxisResolution layout)
    {
        if (Has(WrongConvention.WrongReductionAxes) && StatisticKeptAxes.IsEmpty)
        {
            return (new int[layout.ElementCount], 1);
        }

        if (Has(WrongConvention.WrongReductionAxes))
        {
            AxisResolution wrong = AxisResolution.Resolve(layout.Shape.AsSpan(), AxisSpec.List(StatisticKeptAxes.AsSpan()));
            return (wrong.ChannelOfEachElement(), wrong.ChannelCount);
        }

        int[] kept = Has(WrongConvention.InvertedAxisMeaning) && !layout.ReductionAxes.IsEmpty
            ? [.. layout.ReductionAxes]
            : Has(WrongConvention.AxisFromWrongEnd) ? [.. layout.KeptAxes.Select(a => layout.Rank - 1 - a).Order()] : [.. layout.KeptAxes];
        AxisResolution resolution = AxisResolution.Resolve(layout.Shape.AsSpan(), AxisSpec.List(kept));
        return (resolution.ChannelOfEachElement(), resolution.ChannelCount);
    }

    private int[] ParameterChannels(AxisResolution layout) =>
        Has(WrongConvention.ChannelAsLastAxis)
            ? [.. Enumerable.Range(0, layout.ElementCount).Select(i => i % layout.ChannelCount)]
            : Has(WrongConvention.AxisFromWrongEnd)
                ? StatisticChannelsModulo(layout)
                : layout.ChannelOfEachElement();

    /// <summary>With the axis counted from the wrong end the weights still have C entries: index them modulo C.</summary>
    private static int[] StatisticChannelsModulo(AxisResolution layout)
    {
        int[] mirrored = [.. layout.KeptAxes.Select(a => layout.Rank - 1 - a).Order()];
        return [.. AxisResolution.Resolve(layout.Shape.AsSpan(), AxisSpec.List(mirrored)).ChannelOfEachElement().Select(c => c % layout.ChannelCount)];
    }

    private (double[] Mean, double[] Variance) Statistics<T>(double[] x, int[] channelOf, int channels, ReadOnlySpan<bool> mask, int featuresPerPosition)
    {
        double[] weight = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            weight[i] = mask.IsEmpty || mask[i / featuresPerPosition] ? 1.0 : 0.0;
        }

        double epsilon = mask.IsEmpty ? 0 : 1e-7;
        double[] count = new double[channels];
        double[] sum = new double[channels];
        for (int i = 0; i < x.Length; i++)
        {
            count[channelOf[i]] += weight[i];
            sum[channelOf[i]] += weight[i] * x[i];
        }

        double[] mean = [.. sum.Select((s, c) => s / (count[c] + epsilon))];
        double[] variance = new double[channels];
        if (Has(WrongConvention.SinglePassVariance))
        {
            // float32 arithmetic (float32 data, or float64 computed in float32): only there does E[x²] - E[x]² cancel.
            bool single = typeof(T) == typeof(float) || typeof(T) == typeof(Half) || InFloat32<T>();
            float[] sumF = new float[channels];
            float[] squaresF = new float[channels];
            double[] squares = new double[channels];
            for (int i = 0; i < x.Length; i++)
            {
                sumF[channelOf[i]] += (float)(weight[i] * x[i]);
                squaresF[channelOf[i]] += (float)(weight[i] * x[i] * x[i]);
                squares[channelOf[i]] += weight[i] * x[i] * x[i];
            }

            for (int c = 0; c < channels; c++)
            {
                if (single)
                {
                    float m = sumF[c] / (float)(count[c] + epsilon);
                    mean[c] = m;
                    variance[c] = (squaresF[c] / (float)(count[c] + epsilon)) - (m * m);
                }
                else
                {
                    variance[c] = (squares[c] / (count[c] + epsilon)) - (mean[c] * mean[c]);
                }
            }

            return (mean, variance);
        }

        double[] squaredDeviations = new double[channels];
        for (int i = 0; i < x.Length; i++)
        {
            double deviation = x[i] - mean[channelOf[i]];
            squaredDeviations[channelOf[i]] += weight[i] * deviation * deviation;
        }

        for (int c = 0; c < channels; c++)
        {
            variance[c] = squaredDeviations[c] / (count[c] + epsilon);
        }

        return (mean, variance);
    }

    private static double[] Wide<T>(ReadOnlySpan<T> values, Func<double, double>? precision = null)
        where T : IFloatingPointIeee754<T>
    {
        double[] wide = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            wide[i] = double.CreateTruncating(values[i]);
            wide[i] = precision is null ? wide[i] : precision(wide[i]);
        }

        return wide;
    }

    private static void Narrow<T>(double[] values, Span<T> destination, Func<double, double> precision)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            destination[i] = T.CreateTruncating(precision(values[i]));
        }
    }

    /// <summary>The layer's weights as the variant reads them (swapped, for the swapping conventions).</summary>
    private sealed record Layer(double[] Gamma, double[] Beta, double[] MovingMean, double[] MovingVariance)
    {
        public static Layer Read<T>(AxisResolution layout, BatchNormOptions options, BatchNormWeights<T> weights, Func<WrongConvention, bool> has, Func<double, double> precision, bool gradientsOnly = false)
            where T : IFloatingPointIeee754<T>
        {
            double[] gamma = options.Scale ? Wide(weights.Gamma, precision) : [.. Enumerable.Repeat(1.0, layout.ChannelCount)];
            double[] beta = options.Center ? Wide(weights.Beta, precision) : new double[layout.ChannelCount];
            double[] movingMean = Wide(weights.MovingMean, precision);
            double[] movingVariance = Wide(weights.MovingVariance, precision);
            Layer layer = new(gamma, beta, movingMean, movingVariance);
            if (has(WrongConvention.GammaBetaSwapped) && !gradientsOnly)
            {
                layer = layer with { Gamma = layer.Beta, Beta = layer.Gamma };
            }

            return has(WrongConvention.MovingStatisticsSwapped) ? layer with { MovingMean = layer.MovingVariance, MovingVariance = layer.MovingMean } : layer;
        }
    }
}
