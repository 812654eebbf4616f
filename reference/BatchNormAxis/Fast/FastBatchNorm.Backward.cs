using System.Buffers;
using System.Numerics;

namespace BatchNormAxis;

/// <summary>
/// The backward pass of the fast implementation: float32 in two passes over x and dy after the statistics, float64
/// in plain loops.
/// </summary>
public sealed unsafe partial class FastBatchNorm
{
    /// <summary>
    /// float32 backward in two passes over x and dy: per-channel sums of dy and dy · (x - mean), then
    /// dx = a · dy + b · (x - mean) + c with a = gamma / s, b = -a · Σdy(x - mean) / (N s²), c = -a · Σdy / N
    /// (b = c = 0 with moving statistics), s = sqrt(variance + epsilon).
    /// </summary>
    private void BackwardFloat(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, BatchNormWeights<float> weights, BackwardDestinations<float> destinations)
    {
        int channels = layout.ChannelCount;
        Span<int> layoutScratch = stackalloc int[RowLayout.ScratchLength]; // constant size, whatever the rank
        var rows = new RowLayout(layout, layoutScratch);
        double[] doubles = ArrayPool<double>.Shared.Rent(4 * channels);
        float[] floats = ArrayPool<float>.Shared.Rent(4 * channels);
        try
        {
            Span<double> mean = doubles.AsSpan(0, channels);
            Span<double> variance = doubles.AsSpan(channels, channels);
            Span<double> sums = doubles.AsSpan(2 * channels, 2 * channels);
            Span<double> sumDy = sums[..channels];
            Span<double> sumDyCentred = sums[channels..];
            bool useBatchStatistics = StatisticsOfTheCall(layout, rows, options, training, x, weights, mean, variance);

            Span<float> meanF = floats.AsSpan(0, channels);
            for (int c = 0; c < channels; c++)
            {
                meanF[c] = (float)mean[c];
            }

            Span<float> a = floats.AsSpan(channels, channels);
            Span<float> b = floats.AsSpan(2 * channels, channels);
            Span<float> cc = floats.AsSpan(3 * channels, channels);
            fixed (float* pX = x)
            fixed (float* pDy = dy)
            fixed (float* pMean = meanF)
            fixed (double* pSums = sums)
            fixed (float* pA = a)
            fixed (float* pB = b)
            fixed (float* pC = cc)
            fixed (float* pDx = destinations.Dx)
            {
                // Pass 1: Σ dy and Σ dy · (x - mean) per channel.
                if (rows.RowsShareChannels)
                {
                    int width = rows.RowLength;
                    var tiling = new Tiling(rows.RowCount, width, FastTuning.RowsPerBlock, FastTuning.ColumnsPerChunk, FastTuning.MaximumPartialSlots(width));
                    SumInSlots(new ChannelsLastGradientSumsJob(pX, pDy, pMean, null, rows, tiling), tiling, width, pSums);
                }
                else
                {
                    var tiling = new Tiling(rows.RowCount, rows.RowLength, 1, 0, FastTuning.MaximumPartialSlots(channels));
                    SumInSlots(new RowGradientSumsJob(pX, pDy, pMean, null, channels, rows, tiling), tiling, channels, pSums);
                }

                // Per-channel coefficients of dx = a · dy + b · (x - mean) + c.
                double count = layout.ReductionCount;
                for (int c = 0; c < channels; c++)
                {
                    double inverse = 1 / Math.Sqrt(variance[c] + options.Epsilon);
                    double gamma = options.Scale ? weights.Gamma[c] : 1.0;
                    double scale = gamma * inverse;
                    a[c] = (float)scale;
                    b[c] = useBatchStatistics ? (float)(-scale * inverse * inverse * sumDyCentred[c] / count) : 0f;
                    cc[c] = useBatchStatistics ? (float)(-scale * sumDy[c] / count) : 0f;
                    if (options.Scale)
                    {
                        destinations.Dgamma[c] = (float)(sumDyCentred[c] * inverse);
                    }

                    if (options.Center)
                    {
                        destinations.Dbeta[c] = (float)sumDy[c];
                    }
                }

                // Pass 2: dx.
                var elementwise = new Tiling(rows.RowCount, rows.RowLength, 1, rows.RowsShareChannels ? FastTuning.ColumnsPerChunk : 0, FastTuning.MaximumElementwiseRowChunks);
                ChunkScheduler.Run(new GradientJob(pX, pDy, pMean, pA, pB, pC, pDx, rows, elementwise), elementwise.Count, Threads);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(floats);
            ArrayPool<double>.Shared.Return(doubles);
        }
    }

    /// <summary>float64 backward: plain loops in double, on the calling thread (no float64 backward kernels yet).</summary>
    private void BackwardInDouble<T>(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, BatchNormWeights<T> weights, BackwardDestinations<T> destinations)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        Span<int> layoutScratch = stackalloc int[RowLayout.ScratchLength]; // constant size, whatever the rank
        var rows = new RowLayout(layout, layoutScratch);
        double[] doubles = ArrayPool<double>.Shared.Rent(5 * channels);
        try
        {
            Span<double> mean = doubles.AsSpan(0, channels);
            Span<double> variance = doubles.AsSpan(channels, channels);
            Span<double> inverseDeviation = doubles.AsSpan(2 * channels, channels);
            Span<double> sumDy = doubles.AsSpan(3 * channels, channels);
            Span<double> sumDyNormalized = doubles.AsSpan(4 * channels, channels);
            bool useBatchStatistics = StatisticsOfTheCall(layout, rows, options, training, x, weights, mean, variance);

            for (int c = 0; c < channels; c++)
            {
                inverseDeviation[c] = 1 / Math.Sqrt(variance[c] + options.Epsilon);
            }

            sumDy.Clear();
            sumDyNormalized.Clear();
            for (int row = 0; row < rows.RowCount; row++)
            {
                int first = rows.FirstChannelOf(row);
                int start = row * rows.RowLength;
                for (int i = 0; i < rows.RowLength; i++)
                {
                    int c = rows.InnermostKept ? first + i : first;
                    double g = double.CreateTruncating(dy[start + i]);
                    sumDy[c] += g;
                    sumDyNormalized[c] += g * (double.CreateTruncating(x[start + i]) - mean[c]) * inverseDeviation[c];
                }
            }

            double count = layout.ReductionCount;
            for (int row = 0; row < rows.RowCount; row++)
            {
                int first = rows.FirstChannelOf(row);
                int start = row * rows.RowLength;
                for (int i = 0; i < rows.RowLength; i++)
                {
                    int c = rows.InnermostKept ? first + i : first;
                    double gamma = options.Scale ? double.CreateTruncating(weights.Gamma[c]) : 1.0;
                    double g = double.CreateTruncating(dy[start + i]);
                    double gradient = useBatchStatistics
                        ? gamma * inverseDeviation[c] * (g - (sumDy[c] / count) - ((double.CreateTruncating(x[start + i]) - mean[c]) * inverseDeviation[c] * sumDyNormalized[c] / count))
                        : gamma * inverseDeviation[c] * g;
                    destinations.Dx[start + i] = T.CreateTruncating(gradient);
                }
            }

            if (options.Scale)
            {
                Conversions.Narrow(sumDyNormalized, destinations.Dgamma);
            }

            if (options.Center)
            {
                Conversions.Narrow(sumDy, destinations.Dbeta);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(doubles);
        }
    }

    /// <summary>
    /// The statistics a call normalizes with (Keras: batch statistics only when training a trainable layer, else the
    /// moving ones); returns whether they are batch statistics.
    /// </summary>
    private bool StatisticsOfTheCall<T>(AxisResolution layout, RowLayout rows, BatchNormOptions options, bool training, ReadOnlySpan<T> x, BatchNormWeights<T> weights, Span<double> mean, Span<double> variance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool useBatchStatistics = training && options.Trainable;
        if (useBatchStatistics)
        {
            ComputeStatistics(layout, rows, x, mean, variance);
        }
        else
        {
            Conversions.Widen(weights.MovingMean, mean);
            Conversions.Widen(weights.MovingVariance, variance);
        }

        return useBatchStatistics;
    }
}
