using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// The backward pass of the fast implementation: float32 and float64 in two passes over x and dy after the
/// statistics.
/// </summary>
public sealed unsafe partial class FastBatchNorm
{
    /// <summary>
    /// float32 and float64 backward in two passes over x and dy: per-channel sums of dy and dy · (x - mean), then
    /// dx = a · dy + b · (x - mean) + c with a = gamma / s, b = -a · Σdy(x - mean) / (N s²), c = -a · Σdy / N
    /// (b = c = 0 with moving statistics), s = sqrt(variance + epsilon). Sums are in double; the mean and the
    /// coefficients are rounded to <typeparamref name="T"/> for the vector passes.
    /// </summary>
    private void BackwardInTwoPasses<T>(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, BatchNormWeights<T> weights, BackwardDestinations<T> destinations)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        Span<int> layoutScratch = stackalloc int[RowLayout.ScratchLength]; // constant size, whatever the rank
        var rows = new RowLayout(layout, layoutScratch);
        if (typeof(T) == typeof(float) && WideColumns.Fits(rows))
        {
            BackwardWide(
                rows, options, training && options.Trainable, MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(dy), Cast<T, float>(weights), Cast<T, float>(destinations));
            return;
        }

        double[] doubles = ArrayPool<double>.Shared.Rent(4 * channels);
        T[] coefficients = ArrayPool<T>.Shared.Rent(4 * channels);
        try
        {
            Span<double> mean = doubles.AsSpan(0, channels);
            Span<double> variance = doubles.AsSpan(channels, channels);
            Span<double> sums = doubles.AsSpan(2 * channels, 2 * channels);
            Span<double> sumDy = sums[..channels];
            Span<double> sumDyCentred = sums[channels..];
            bool useBatchStatistics = StatisticsOfTheCall(layout, rows, options, training, x, weights, mean, variance);

            Span<T> roundedMean = coefficients.AsSpan(0, channels);
            Conversions.Narrow<T>(mean, roundedMean);
            Span<T> a = coefficients.AsSpan(channels, channels);
            Span<T> b = coefficients.AsSpan(2 * channels, channels);
            Span<T> cc = coefficients.AsSpan(3 * channels, channels);
            fixed (T* pX = x)
            fixed (T* pDy = dy)
            fixed (T* pMean = roundedMean)
            fixed (double* pSums = sums)
            fixed (T* pA = a)
            fixed (T* pB = b)
            fixed (T* pC = cc)
            fixed (T* pDx = destinations.Dx)
            {
                // Pass 1: Σ dy and Σ dy · (x - mean) per channel.
                if (typeof(T) == typeof(float) && rows.RowsShareChannels)
                {
                    int width = rows.RowLength;
                    var tiling = new Tiling(rows.RowCount, width, FastTuning.RowsPerBlock, FastTuning.ColumnsPerChunk, FastTuning.MaximumPartialSlots(width));
                    SumInSlots(new ChannelsLastGradientSumsJob((float*)pX, (float*)pDy, (float*)pMean, null, rows, tiling), tiling, width, pSums);
                }
                else
                {
                    var tiling = new Tiling(rows.RowCount, rows.RowLength, 1, 0, FastTuning.MaximumPartialSlots(channels));
                    SumInSlots(new RowGradientSumsJob<T>(pX, pDy, pMean, null, channels, rows, tiling), tiling, channels, pSums);
                }

                // Per-channel coefficients of dx = a · dy + b · (x - mean) + c.
                GradientCoefficients.Compute(variance, sumDy, sumDyCentred, weights.Gamma, options, useBatchStatistics, layout.ReductionCount, a, b, cc, destinations.Dgamma, destinations.Dbeta);

                // Pass 2: dx.
                var elementwise = new Tiling(rows.RowCount, rows.RowLength, 1, rows.RowsShareChannels ? FastTuning.ColumnsPerChunk : 0, FastTuning.MaximumElementwiseRowChunks);
                ChunkScheduler.Run(new GradientJob<T>(pX, pDy, pMean, pA, pB, pC, pDx, rows, elementwise), elementwise.Count, Threads);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(coefficients);
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
