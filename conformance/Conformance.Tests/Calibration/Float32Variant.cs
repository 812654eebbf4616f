using System.Numerics;

namespace BatchNormAxis.Conformance.Tests.Calibration;

/// <summary>How a float32 implementation sums a channel's statistics.</summary>
public enum Summation
{
    /// <summary>Two-pass, one running float32 sum in element order.</summary>
    Sequential,

    /// <summary>Two-pass, one running float32 sum in reverse element order.</summary>
    Reverse,

    /// <summary>Two-pass, pairwise (tree) float32 sums.</summary>
    Pairwise,

    /// <summary>One pass, Welford's running mean and sum of squared deviations in float32.</summary>
    Welford,

    /// <summary>Welford over four chunks, merged with Chan's formula: what a multi-threaded kernel does.</summary>
    ChunkedChan,

    /// <summary>WRONG: one pass of sum and sum of squares, variance E[x²] - E[x]² (Keras 3's NumPy and torch backends).</summary>
    SinglePassWrong,
}

/// <summary>A known-wrong convention (one of the suite's WrongConvention diagnoses), or none.</summary>
public enum Convention
{
    /// <summary>Keras: the reference semantics.</summary>
    Keras,

    /// <summary>The moving variance fed with n/(n-1) times the batch variance (PyTorch, tf.keras' fused path).</summary>
    UnbiasedMovingVariance,

    /// <summary>PyTorch's momentum: moving = (1 - m) * moving + m * batch.</summary>
    PyTorchMomentum,

    /// <summary>(x - mean) / (sqrt(variance) + epsilon).</summary>
    EpsilonOutsideRoot,

    /// <summary>Statistics over the kept axes instead of the reduced ones (the axis meaning inverted).</summary>
    InvertedAxisMeaning,

    /// <summary>Parameters indexed by flat index modulo C: the channel taken as the last axis (TF.js CPU).</summary>
    ChannelAsLastAxis,

    /// <summary>gamma and beta swapped.</summary>
    GammaBetaSwapped,

    /// <summary>A frozen layer still uses and updates batch statistics (TF.js, tf.keras V1).</summary>
    FrozenIgnored,

    /// <summary>Batch statistics over every axis (one mean and variance), broadcast into every moving statistic.</summary>
    StatisticsOverAllAxes,

    /// <summary>Each kept axis mirrored from the other end (axis a read as rank - 1 - a); parameters indexed modulo C.</summary>
    AxisMirrored,

    /// <summary>The right moving statistics written back swapped: the new mean into the moving variance and back.</summary>
    MovingStatisticsSwappedOnWrite,

    /// <summary>gamma and beta swapped when read, in the forward and the backward pass: dx scaled by beta, dgamma and dbeta swapped.</summary>
    GammaBetaSwappedWithBackward,
}

/// <summary>
/// An independent float32 implementation used to calibrate the tolerance model: correct variants (any summation
/// order, Welford, chunked, scale and shift folded) must pass every float32 case, and each known-wrong convention
/// must be rejected. Everything is computed in float32 arithmetic, as a float32 framework would.
/// </summary>
public sealed class Float32Variant(Summation summation, bool foldScaleAndShift, Convention convention = Convention.Keras) : IBatchNormalization
{
    public string Name => $"float32-{summation}{(foldScaleAndShift ? "-folded" : "")}{(convention == Convention.Keras ? "" : "-" + convention)}";

    public override string ToString() => Name;

    public void Forward<T>(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<T> x, BatchNormWeights<T> weights, ForwardDestinations<T> destinations, ReadOnlySpan<bool> mask = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float) || !mask.IsEmpty)
        {
            throw new NotSupportedException("float32 without masks only");
        }

        RefuseRenormWithAWrongConvention(options);

        float[] input = ToFloats(x);
        int channels = layout.ChannelCount;
        float[] gamma = options.Scale ? ToFloats(weights.Gamma) : Filled(channels, 1f);
        float[] beta = options.Center ? ToFloats(weights.Beta) : Filled(channels, 0f);
        if (convention is Convention.GammaBetaSwapped or Convention.GammaBetaSwappedWithBackward)
        {
            (gamma, beta) = (beta, gamma);
        }

        float[] movingMean = ToFloats(weights.MovingMean);
        float[] movingVariance = ToFloats(weights.MovingVariance);
        bool useBatch = training && (options.Trainable || convention == Convention.FrozenIgnored);
        int[] parameterOf = ParameterMap(layout);
        int[] channelOf = useBatch ? ChannelMap(layout) : MovingStatisticMap(layout, parameterOf);
        int statisticsChannels = channelOf.Max() + 1;

        // The kernel reads mean and variance with the same index as gamma and beta (cyclic, for TF.js's bug).
        int[] statisticOf = convention == Convention.ChannelAsLastAxis ? parameterOf : channelOf;
        float[] mean;
        float[] variance;
        int count = input.Length / statisticsChannels;
        if (useBatch)
        {
            (mean, variance) = Statistics(input, channelOf, statisticsChannels);
        }
        else
        {
            (mean, variance) = (movingMean, movingVariance);
        }

        float epsilon = (float)options.Epsilon;
        Renormalization? renorm = useBatch && options.Renorm is not null && statisticsChannels == channels
            ? Renormalization.Of(options.Renorm, mean, variance, epsilon, ToFloats(weights.RenormMean), ToFloats(weights.RenormStddev))
            : null;
        if (renorm is not null)
        {
            // Keras' _compose_transforms: x * (r * gamma) + (d * gamma + beta).
            (gamma, beta) = ([.. gamma.Select((g, c) => renorm.R[c] * g)], [.. beta.Select((b, c) => (renorm.D[c] * gamma[c]) + b)]);
        }

        float[] y = new float[input.Length];
        for (int i = 0; i < input.Length; i++)
        {
            int s = statisticOf[i];
            int p = parameterOf[i];
            float deviation = convention == Convention.EpsilonOutsideRoot ? MathF.Sqrt(variance[s]) + epsilon : MathF.Sqrt(variance[s] + epsilon);
            if (foldScaleAndShift)
            {
                float scale = gamma[p] / deviation;
                float shift = beta[p] - (mean[s] * scale);
                y[i] = (input[i] * scale) + shift;
            }
            else
            {
                y[i] = (gamma[p] * ((input[i] - mean[s]) / deviation)) + beta[p];
            }
        }

        float momentum = (float)options.Momentum;
        float[] newMean = [.. movingMean];
        float[] newVariance = [.. movingVariance];
        bool broadcast = convention == Convention.StatisticsOverAllAxes && statisticsChannels == 1;
        if (useBatch && (statisticsChannels == channels || broadcast))
        {
            if (broadcast)
            {
                (mean, variance) = (Filled(channels, mean[0]), Filled(channels, variance[0]));
            }

            for (int c = 0; c < channels; c++)
            {
                float batchVariance = convention == Convention.UnbiasedMovingVariance && count > 1 ? variance[c] * count / (count - 1) : variance[c];
                float keep = convention == Convention.PyTorchMomentum ? 1 - momentum : momentum;
                if (foldScaleAndShift)
                {
                    // tf.keras / TF.js form: moving -= (moving - batch) * (1 - momentum).
                    newMean[c] = movingMean[c] - ((movingMean[c] - mean[c]) * (1 - keep));
                    newVariance[c] = movingVariance[c] - ((movingVariance[c] - batchVariance) * (1 - keep));
                }
                else
                {
                    newMean[c] = (movingMean[c] * keep) + (mean[c] * (1 - keep));
                    newVariance[c] = (movingVariance[c] * keep) + (batchVariance * (1 - keep));
                }
            }
        }

        float[] movingStddev = ToFloats(weights.MovingStddev);
        float[] renormMean = ToFloats(weights.RenormMean);
        float[] renormStddev = ToFloats(weights.RenormStddev);
        if (renorm is not null)
        {
            float renormMomentum = (float)options.Renorm!.Momentum;
            for (int c = 0; c < channels; c++)
            {
                float stddev = MathF.Sqrt(variance[c] + epsilon);
                renormMean[c] = (renormMean[c] * renormMomentum) + (mean[c] * (1 - renormMomentum));
                renormStddev[c] = (renormStddev[c] * renormMomentum) + (stddev * (1 - renormMomentum));
                movingStddev[c] = (movingStddev[c] * momentum) + (stddev * (1 - momentum));
                newVariance[c] = MathF.Max((movingStddev[c] * movingStddev[c]) - epsilon, 0);
            }
        }

        if (convention == Convention.MovingStatisticsSwappedOnWrite && useBatch)
        {
            (newMean, newVariance) = (newVariance, newMean);
        }

        Write(y, destinations.Y);
        Write(newMean, destinations.MovingMean);
        Write(newVariance, destinations.MovingVariance);
        Write(movingStddev, destinations.MovingStddev);
        Write(renormMean, destinations.RenormMean);
        Write(renormStddev, destinations.RenormStddev);
    }

    public void Backward<T>(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, BatchNormWeights<T> weights, BackwardDestinations<T> destinations)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float))
        {
            throw new NotSupportedException("float32 only");
        }

        RefuseRenormWithAWrongConvention(options);

        float[] input = ToFloats(x);
        float[] gradient = ToFloats(dy);
        int channels = layout.ChannelCount;
        float[] gamma = options.Scale ? ToFloats(weights.Gamma) : Filled(channels, 1f);
        if (convention == Convention.GammaBetaSwappedWithBackward)
        {
            gamma = options.Center ? ToFloats(weights.Beta) : Filled(channels, 0f);
        }

        bool useBatch = training && (options.Trainable || convention == Convention.FrozenIgnored);
        int[] parameterOf = ParameterMap(layout);
        int[] channelOf = useBatch ? ChannelMap(layout) : MovingStatisticMap(layout, parameterOf);
        int statisticsChannels = channelOf.Max() + 1;
        int[] statisticOf = convention == Convention.ChannelAsLastAxis ? parameterOf : channelOf;
        (float[] mean, float[] variance) = useBatch ? Statistics(input, channelOf, statisticsChannels) : (ToFloats(weights.MovingMean), ToFloats(weights.MovingVariance));
        float epsilon = (float)options.Epsilon;
        int count = input.Length / statisticsChannels;

        float[] normalized = new float[input.Length];
        float[] sumDy = new float[statisticsChannels];
        float[] sumDyNormalized = new float[statisticsChannels];
        for (int i = 0; i < input.Length; i++)
        {
            int s = statisticOf[i];
            float deviation = convention == Convention.EpsilonOutsideRoot ? MathF.Sqrt(variance[s]) + epsilon : MathF.Sqrt(variance[s] + epsilon);
            normalized[i] = (input[i] - mean[s]) / deviation;
            sumDy[s] += gradient[i];
            sumDyNormalized[s] += gradient[i] * normalized[i];
        }

        float[] dx = new float[input.Length];
        for (int i = 0; i < input.Length; i++)
        {
            int s = statisticOf[i];
            int p = parameterOf[i];
            float deviation = convention == Convention.EpsilonOutsideRoot ? MathF.Sqrt(variance[s]) + epsilon : MathF.Sqrt(variance[s] + epsilon);
            dx[i] = useBatch
                ? gamma[p] / deviation * (gradient[i] - (sumDy[s] / count) - (normalized[i] * (sumDyNormalized[s] / count)))
                : gamma[p] / deviation * gradient[i];
        }

        if (useBatch && options.Renorm is not null && statisticsChannels == channels)
        {
            // r and d are constants: dx scales by r, and gamma's gradient is r * sum(dy * xhat) + d * sum(dy) (autodiff's form).
            Renormalization renorm = Renormalization.Of(options.Renorm, mean, variance, epsilon, ToFloats(weights.RenormMean), ToFloats(weights.RenormStddev));
            for (int i = 0; i < input.Length; i++)
            {
                dx[i] *= renorm.R[statisticOf[i]];
            }

            sumDyNormalized = [.. sumDyNormalized.Select((v, c) => (renorm.R[c] * v) + (renorm.D[c] * sumDy[c]))];
        }

        if (options.Renorm is null)
        {
            // The weights' gradients are per parameter: summed over the elements each gamma and beta scales and shifts.
            (sumDyNormalized, sumDy) = (new float[channels], new float[channels]);
            for (int i = 0; i < input.Length; i++)
            {
                sumDyNormalized[parameterOf[i]] += gradient[i] * normalized[i];
                sumDy[parameterOf[i]] += gradient[i];
            }
        }

        bool swapped = convention is Convention.GammaBetaSwapped or Convention.GammaBetaSwappedWithBackward;
        Write(dx, destinations.Dx);
        if (options.Scale && sumDy.Length == channels)
        {
            Write(swapped ? sumDy : sumDyNormalized, destinations.Dgamma);
        }

        if (options.Center && sumDy.Length == channels)
        {
            Write(swapped ? sumDyNormalized : sumDy, destinations.Dbeta);
        }
    }

    /// <summary>The wrong conventions are plain batch normalization's; renorm's own mistakes are RenormCalibrationTests'.</summary>
    private void RefuseRenormWithAWrongConvention(BatchNormOptions options)
    {
        if (options.Renorm is not null && convention != Convention.Keras)
        {
            throw new NotSupportedException($"{Name}: renorm with the Keras convention only");
        }
    }

    /// <summary>Which moving statistic each element reads: its channel, or with the axis mirrored its parameter index.</summary>
    private int[] MovingStatisticMap(AxisResolution layout, int[] parameterOf) =>
        convention == Convention.AxisMirrored ? parameterOf : layout.ChannelOfEachElement();

    /// <summary>The statistics channel of each element: normally the kept axes; inverted, the reduced ones.</summary>
    private int[] ChannelMap(AxisResolution layout)
    {
        if (convention == Convention.StatisticsOverAllAxes)
        {
            return new int[layout.ElementCount];
        }

        if (convention == Convention.AxisMirrored)
        {
            return Mirrored(layout).ChannelOfEachElement();
        }

        if (convention != Convention.InvertedAxisMeaning || layout.ReductionAxes.IsEmpty)
        {
            return layout.ChannelOfEachElement();
        }

        return AxisResolution.Resolve(layout.Shape.AsSpan(), AxisSpec.List([.. layout.ReductionAxes])).ChannelOfEachElement();
    }

    /// <summary>The parameter index of each element: its channel, or (TF.js's bug) its flat index modulo C.</summary>
    private int[] ParameterMap(AxisResolution layout) => convention switch
    {
        Convention.ChannelAsLastAxis => [.. Enumerable.Range(0, layout.ElementCount).Select(i => i % layout.ChannelCount)],
        Convention.AxisMirrored => [.. Mirrored(layout).ChannelOfEachElement().Select(c => c % layout.ChannelCount)],
        _ => layout.ChannelOfEachElement(),
    };

    /// <summary>The layout with each kept axis a read as rank - 1 - a.</summary>
    private static AxisResolution Mirrored(AxisResolution layout) =>
        AxisResolution.Resolve(layout.Shape.AsSpan(), AxisSpec.List([.. layout.KeptAxes.Select(a => layout.Rank - 1 - a).Order()]));

    private (float[] Mean, float[] Variance) Statistics(float[] x, int[] channelOf, int channels)
    {
        var members = new List<float>[channels];
        for (int c = 0; c < channels; c++)
        {
            members[c] = [];
        }

        for (int i = 0; i < x.Length; i++)
        {
            members[channelOf[i]].Add(x[i]);
        }

        float[] mean = new float[channels];
        float[] variance = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            (mean[c], variance[c]) = Moments([.. members[c]]);
        }

        return (mean, variance);
    }

    private (float Mean, float Variance) Moments(float[] values)
    {
        int n = values.Length;
        switch (summation)
        {
            case Summation.Welford:
                return WelfordChunk(values);
            case Summation.ChunkedChan:
                {
                    int chunk = (n + 3) / 4;
                    (float count, float mean, float m2) total = (0, 0, 0);
                    for (int start = 0; start < n; start += chunk)
                    {
                        float[] part = values[start..Math.Min(n, start + chunk)];
                        (float partMean, float partVariance) = WelfordChunk(part);
                        float partCount = part.Length;
                        float combined = total.count + partCount;
                        float delta = partMean - total.mean;
                        total = (combined, total.mean + (delta * partCount / combined), total.m2 + (partVariance * partCount) + (delta * delta * total.count * partCount / combined));
                    }

                    return (total.mean, total.m2 / n);
                }

            case Summation.SinglePassWrong:
                {
                    float sum = 0;
                    float sumOfSquares = 0;
                    foreach (float v in values)
                    {
                        sum += v;
                        sumOfSquares += v * v;
                    }

                    float mean = sum / n;
                    return (mean, (sumOfSquares / n) - (mean * mean));
                }

            default:
                {
                    float mean = Sum(values) / n;
                    float[] squares = [.. values.Select(v => (v - mean) * (v - mean))];
                    return (mean, Sum(squares) / n);
                }
        }
    }

    private static (float Mean, float Variance) WelfordChunk(float[] values)
    {
        float mean = 0;
        float m2 = 0;
        for (int k = 0; k < values.Length; k++)
        {
            float delta = values[k] - mean;
            mean += delta / (k + 1);
            m2 += delta * (values[k] - mean);
        }

        return (mean, m2 / values.Length);
    }

    private float Sum(float[] values) => summation switch
    {
        Summation.Reverse => values.Reverse().Aggregate(0f, (s, v) => s + v),
        Summation.Pairwise => PairwiseSum(values),
        _ => values.Aggregate(0f, (s, v) => s + v),
    };

    private static float PairwiseSum(ReadOnlySpan<float> values) => values.Length switch
    {
        0 => 0,
        1 => values[0],
        _ => PairwiseSum(values[..(values.Length / 2)]) + PairwiseSum(values[(values.Length / 2)..]),
    };

    internal static float[] ToFloats<T>(ReadOnlySpan<T> values)
        where T : IFloatingPointIeee754<T>
    {
        float[] floats = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            floats[i] = float.CreateTruncating(values[i]);
        }

        return floats;
    }

    internal static void Write<T>(float[] values, Span<T> destination)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            destination[i] = T.CreateTruncating(values[i]);
        }
    }

    private static float[] Filled(int length, float value) => [.. Enumerable.Repeat(value, length)];

    /// <summary>Batch renormalization's r and d per channel, in float32 as Keras computes them (clip constants rounded to float32).</summary>
    private sealed record Renormalization(float[] R, float[] D)
    {
        public static Renormalization Of(RenormOptions options, float[] mean, float[] variance, float epsilon, float[] renormMean, float[] renormStddev)
        {
            if (renormMean.Length != mean.Length || renormStddev.Length != mean.Length)
            {
                throw new InvalidOperationException($"a renorm layer needs {mean.Length} renorm means and stddevs: got {renormMean.Length} and {renormStddev.Length}");
            }

            float[] r = new float[mean.Length];
            float[] d = new float[mean.Length];
            for (int c = 0; c < mean.Length; c++)
            {
                float sigma = MathF.Max(renormStddev[c], MathF.Sqrt(epsilon));
                r[c] = MathF.Sqrt(variance[c] + epsilon) / sigma;
                d[c] = (mean[c] - renormMean[c]) / sigma;
                r[c] = MathF.Min(MathF.Max(r[c], (float)(options.RMin ?? double.NegativeInfinity)), (float)(options.RMax ?? double.PositiveInfinity));
                d[c] = Math.Clamp(d[c], (float)-(options.DMax ?? double.PositiveInfinity), (float)(options.DMax ?? double.PositiveInfinity));
            }

            return new Renormalization(r, d);
        }
    }
}
