using System.Numerics;

namespace BatchNormAxis.Conformance.Diagnosis;

/// <summary>
/// Batch normalization with one known-wrong convention, computed in double like the scalar reference (the single
/// pass variance in float32 for float32 data, where its cancellation shows). The diagnosis runs a failing case
/// through each variant and names the ones the implementation's outputs match.
/// </summary>
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

    /// <inheritdoc/>
    public string Name => Also is { } also ? $"variant-{Convention}+{also}" : $"variant-{Convention}";

    /// <inheritdoc/>
    public void Forward<T>(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<T> x, BatchNormWeights<T> weights, ForwardDestinations<T> destinations, ReadOnlySpan<bool> mask = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(options);
        options = Hyperparameters(options);
        Layer layer = Layer.Read(layout, options, weights, Has);
        double[] input = Wide(x);
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

        double[] newMean = [.. layer.MovingMean];
        double[] newVariance = [.. layer.MovingVariance];
        if (useBatch && statisticCount == layout.ChannelCount && !Has(WrongConvention.MovingStatisticsNotUpdated))
        {
            double keep = Has(WrongConvention.PyTorchMomentum) ? 1 - options.Momentum : options.Momentum;
            double n = layout.ReductionCount;
            for (int c = 0; c < newMean.Length; c++)
            {
                // n/(n-1) as written: with one value per channel it is 0 * 1/0, a NaN moving variance (PyTorch's ATen op).
                double batchVariance = Has(WrongConvention.UnbiasedMovingVariance) ? variance[c] * n / (n - 1) : variance[c];
                newMean[c] = (layer.MovingMean[c] * keep) + (mean[c] * (1 - keep));
                newVariance[c] = (layer.MovingVariance[c] * keep) + (batchVariance * (1 - keep));
            }
        }

        Narrow(y, destinations.Y);
        Narrow(newMean, destinations.MovingMean);
        Narrow(newVariance, destinations.MovingVariance);
    }

    /// <inheritdoc/>
    public void Backward<T>(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, BatchNormWeights<T> weights, BackwardDestinations<T> destinations)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(options);
        options = Hyperparameters(options);
        Layer layer = Layer.Read(layout, options, weights, Has);
        double[] input = Wide(x);
        double[] gradient = Wide(dy);
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

        Narrow(dx, destinations.Dx);
        if (options.Scale)
        {
            Narrow(dgamma, destinations.Dgamma);
        }

        if (options.Center)
        {
            Narrow(dbeta, destinations.Dbeta);
        }
    }

    private bool Has(WrongConvention mistake) => Convention == mistake || Also == mistake;

    /// <summary>The hyperparameters as the variant sees them: rounded to float32 for <see cref="WrongConvention.Float32Hyperparameters"/>.</summary>
    private BatchNormOptions Hyperparameters(BatchNormOptions options) =>
        Has(WrongConvention.Float32Hyperparameters) ? options with { Momentum = (float)options.Momentum, Epsilon = (float)options.Epsilon } : options;

    private double Deviation(double variance, double epsilon) =>
        Has(WrongConvention.EpsilonOutsideRoot) ? Math.Sqrt(variance) + epsilon : Math.Sqrt(variance + epsilon);

    /// <summary>Which group each element's batch statistics are taken over, and how many groups there are.</summary>
    private (int[] ChannelOf, int Count) StatisticGroups(AxisResolution layout)
    {
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
            // float32 data: the cancellation of E[x²] - E[x]² shows only in float32 arithmetic.
            bool single = typeof(T) == typeof(float) || typeof(T) == typeof(Half);
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

    private static double[] Wide<T>(ReadOnlySpan<T> values)
        where T : IFloatingPointIeee754<T>
    {
        double[] wide = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            wide[i] = double.CreateTruncating(values[i]);
        }

        return wide;
    }

    private static void Narrow<T>(double[] values, Span<T> destination)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            destination[i] = T.CreateTruncating(values[i]);
        }
    }

    /// <summary>The layer's weights as the variant reads them (swapped, for the swapping conventions).</summary>
    private sealed record Layer(double[] Gamma, double[] Beta, double[] MovingMean, double[] MovingVariance)
    {
        public static Layer Read<T>(AxisResolution layout, BatchNormOptions options, BatchNormWeights<T> weights, Func<WrongConvention, bool> has)
            where T : IFloatingPointIeee754<T>
        {
            double[] gamma = options.Scale ? Wide(weights.Gamma) : [.. Enumerable.Repeat(1.0, layout.ChannelCount)];
            double[] beta = options.Center ? Wide(weights.Beta) : new double[layout.ChannelCount];
            double[] movingMean = Wide(weights.MovingMean);
            double[] movingVariance = Wide(weights.MovingVariance);
            Layer layer = new(gamma, beta, movingMean, movingVariance);
            if (has(WrongConvention.GammaBetaSwapped))
            {
                layer = layer with { Gamma = layer.Beta, Beta = layer.Gamma };
            }

            return has(WrongConvention.MovingStatisticsSwapped) ? layer with { MovingMean = layer.MovingVariance, MovingVariance = layer.MovingMean } : layer;
        }
    }
}
