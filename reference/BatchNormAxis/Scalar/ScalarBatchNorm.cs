using System.Collections.Immutable;
using System.Numerics;

namespace BatchNormAxis;

/// <summary>
/// The plain reference implementation of Keras <c>BatchNormalization(axis=...)</c>: one loop per step, a
/// multi-index walked in row-major order, every intermediate quantity named. It is meant to be read line by line
/// next to the documentation, and it is the definition the fast implementation is tested against.
/// </summary>
/// <remarks>
/// <para>Every value is widened to <see cref="double"/>, every step is computed in double, and each result is
/// rounded to the element type once at the end. So a float32 or float16 result is the float64 result
/// correctly rounded, and the reference is more accurate than an implementation computing in the input type
/// (Keras computes float32 in float32); conformance comparisons allow for that difference.</para>
/// <para>Statistics are two-pass: the mean first, then the mean squared deviation from it. The single-pass
/// <c>E[x²] - E[x]²</c> cancels catastrophically when the mean is large compared with the spread and can even
/// go negative (Keras 3's NumPy and torch backends do that).</para>
/// <para>Batch renormalization (<see cref="BatchNormOptions.Renorm"/>) follows Keras 3.15.1 step by step, in
/// <c>ScalarBatchNorm.Renorm.cs</c>: the corrections r and d from the renorm statistics before the call, folded into the
/// scale and offset; then the five statistic updates, the moving variance derived from the moving stddev. r and d are
/// constants of the gradient. Inference and frozen calls are those without renorm, every statistic copied.</para>
/// </remarks>
public sealed partial class ScalarBatchNorm : IBatchNormalization
{
    /// <summary>Keras' backend epsilon, added to a channel's mask weight sum before each division by it.</summary>
    internal const double MaskWeightEpsilon = 1e-7;

    /// <summary>The shared instance; the class holds no state.</summary>
    public static ScalarBatchNorm Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "scalar";

    /// <summary>
    /// The channel of every element, in row-major element order. An element's channel is the row-major position
    /// of its coordinates along the kept axes: with kept axes (a, b) it is <c>i_a * shape[b] + i_b</c>.
    /// </summary>
    private static int[] ChannelOfEachElement(AxisResolution layout)
    {
        int[] channelOf = new int[layout.ElementCount];
        int[] index = new int[layout.Rank]; // the multi-index (i_0, ..., i_{rank-1}) of the current element

        for (int element = 0; element < layout.ElementCount; element++)
        {
            int channel = 0;
            foreach (int axis in layout.KeptAxes)
            {
                channel = (channel * layout.Shape[axis]) + index[axis];
            }

            channelOf[element] = channel;
            MoveToNextElement(index, layout.Shape);
        }

        return channelOf;
    }

    /// <summary>Advances a multi-index by one element in row-major order: the last axis moves fastest.</summary>
    private static void MoveToNextElement(int[] index, ImmutableArray<int> shape)
    {
        for (int axis = index.Length - 1; axis >= 0; axis--)
        {
            index[axis]++;
            if (index[axis] < shape[axis])
            {
                return;
            }

            index[axis] = 0; // this axis wrapped around: carry into the next slower one
        }
    }

    /// <summary>
    /// The batch mean and the biased batch variance of every channel, taken over the reduction axes.
    /// </summary>
    private static (double[] Mean, double[] Variance) ComputeBatchStatistics(AxisResolution layout, int[] channelOf, double[] x)
    {
        int channels = layout.ChannelCount;
        double elementsPerChannel = layout.ReductionCount;

        // Pass 1: the mean, the sum of a channel's elements divided by their count.
        double[] sum = new double[channels];
        for (int element = 0; element < x.Length; element++)
        {
            sum[channelOf[element]] += x[element];
        }

        double[] mean = new double[channels];
        for (int channel = 0; channel < channels; channel++)
        {
            mean[channel] = sum[channel] / elementsPerChannel;
        }

        // Pass 2: the variance, the mean squared deviation from that mean. Dividing by the count itself
        // (not count - 1) makes it the biased, population variance Keras uses everywhere.
        double[] squaredDeviationSum = new double[channels];
        for (int element = 0; element < x.Length; element++)
        {
            int channel = channelOf[element];
            double deviation = x[element] - mean[channel];
            squaredDeviationSum[channel] += deviation * deviation;
        }

        double[] variance = new double[channels];
        for (int channel = 0; channel < channels; channel++)
        {
            variance[channel] = squaredDeviationSum[channel] / elementsPerChannel;
        }

        return (mean, variance);
    }

    /// <summary>
    /// Keras 3's masked statistics: each element weighs 1 if its position is kept, 0 if masked out, and both
    /// passes divide by the channel's weight sum plus 1e-7 (Keras' backend epsilon), so a fully masked channel
    /// gets mean and variance 0 instead of 0/0.
    /// </summary>
    private static (double[] Mean, double[] Variance) ComputeMaskedBatchStatistics(AxisResolution layout, int[] channelOf, double[] x, ReadOnlySpan<bool> mask)
    {
        int channels = layout.ChannelCount;
        int featuresPerPosition = layout.Shape[^1]; // the mask covers every axis but the last

        double[] weightedSum = new double[channels];
        double[] weightSum = new double[channels];
        for (int element = 0; element < x.Length; element++)
        {
            if (mask[element / featuresPerPosition])
            {
                weightedSum[channelOf[element]] += x[element];
                weightSum[channelOf[element]] += 1;
            }
        }

        double[] mean = new double[channels];
        for (int channel = 0; channel < channels; channel++)
        {
            mean[channel] = weightedSum[channel] / (weightSum[channel] + MaskWeightEpsilon);
        }

        double[] weightedSquaredDeviationSum = new double[channels];
        for (int element = 0; element < x.Length; element++)
        {
            if (mask[element / featuresPerPosition])
            {
                int channel = channelOf[element];
                double deviation = x[element] - mean[channel];
                weightedSquaredDeviationSum[channel] += deviation * deviation;
            }
        }

        double[] variance = new double[channels];
        for (int channel = 0; channel < channels; channel++)
        {
            variance[channel] = weightedSquaredDeviationSum[channel] / (weightSum[channel] + MaskWeightEpsilon);
        }

        return (mean, variance);
    }

    /// <summary><c>sqrt(variance + epsilon)</c> per channel: epsilon goes inside the square root.</summary>
    private static double[] ComputeStandardDeviation(double[] variance, double epsilon)
    {
        double[] standardDeviation = new double[variance.Length];
        for (int channel = 0; channel < variance.Length; channel++)
        {
            standardDeviation[channel] = Math.Sqrt(variance[channel] + epsilon);
        }

        return standardDeviation;
    }

    /// <summary>gamma as given, or all ones when the layer has no scale.</summary>
    private static double[] GammaOrOnes<T>(BatchNormOptions options, ReadOnlySpan<T> gamma, int channels)
        where T : IFloatingPointIeee754<T> =>
        options.Scale ? Conversions.Widen(gamma) : Filled(channels, 1.0);

    /// <summary>beta as given, or all zeros when the layer has no offset.</summary>
    private static double[] BetaOrZeros<T>(BatchNormOptions options, ReadOnlySpan<T> beta, int channels)
        where T : IFloatingPointIeee754<T> =>
        options.Center ? Conversions.Widen(beta) : Filled(channels, 0.0);

    private static double[] Filled(int length, double value)
    {
        double[] values = new double[length];
        Array.Fill(values, value);
        return values;
    }
}
