using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// The backward pass of the fast implementation, float32 and float64, in two passes over x and dy: the first sums
/// d = x - shift, d², dy and dy · d per channel (the statistics folded in), the second writes dx. A channel whose
/// shift lies too far from its mean for the folded sums to stay accurate sends the call the exact route: the
/// statistics in a pass of their own, then the sums against the mean.
/// </summary>
public sealed unsafe partial class FastBatchNorm
{
    /// <summary>
    /// float32 and float64 backward in two passes over x and dy: per-channel sums of dy and dy · (x - mean) (with
    /// the statistics when the call uses batch statistics), then dx = a · dy + b · (x - mean) + c
    /// (<see cref="GradientCoefficients"/>). Sums are in double; the mean and the coefficients are rounded to
    /// <typeparamref name="T"/> for the vector passes.
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

        bool useBatchStatistics = training && options.Trainable;
        double[] doubles = ArrayPool<double>.Shared.Rent(7 * channels);
        int padded = channels + Vector<T>.Count; // whole rows read as one run need their channels repeated once
        T[] coefficients = ArrayPool<T>.Shared.Rent(4 * padded);
        try
        {
            Span<double> mean = doubles.AsSpan(0, channels);
            Span<double> variance = doubles.AsSpan(channels, channels);
            Span<double> sums = doubles.AsSpan(2 * channels, 4 * channels);
            Span<double> shifts = doubles.AsSpan(6 * channels, channels);
            Span<T> roundedMean = coefficients.AsSpan(0, channels);
            Span<T> a = coefficients.AsSpan(padded, channels);
            Span<T> b = coefficients.AsSpan(2 * padded, channels);
            Span<T> cc = coefficients.AsSpan(3 * padded, channels);
            fixed (T* pX = x)
            fixed (T* pDy = dy)
            fixed (T* pMean = roundedMean)
            fixed (double* pSums = sums)
            fixed (T* pA = a)
            fixed (T* pB = b)
            fixed (T* pC = cc)
            fixed (T* pDx = destinations.Dx)
            {
                // Pass 1: the statistics with Σ dy and Σ dy · (x - mean) per channel, in one pass when the shifts allow.
                FoldedSums folded = FoldedSums.Of(sums);
                bool foldedStatistics = useBatchStatistics && SumFolded(layout, rows, x, pX, pDy, shifts, pSums, mean, variance);
                if (!foldedStatistics)
                {
                    // The exact route: the statistics first, then the sums against the rounded mean the dx pass uses.
                    StatisticsOfTheCall(layout, rows, options, training, x, weights, mean, variance);
                }

                Conversions.Narrow<T>(mean, roundedMean);
                if (!foldedStatistics)
                {
                    Conversions.Widen<T>(roundedMean, shifts);
                    SumAgainstShifts(rows, channels, pX, pDy, shifts, pSums);
                }

                // Per-channel coefficients of dx = a · dy + b · (x - mean) + c.
                GradientCoefficients.Compute(variance, folded.SumDy, folded.SumDyShifted, weights.Gamma, options, useBatchStatistics, layout.ReductionCount, a, b, cc, destinations.Dgamma, destinations.Dbeta);

                // Pass 2: dx.
                for (int k = 0; k < 4; k++)
                {
                    FastKernels.RepeatChannels(coefficients.AsSpan(k * padded, padded), channels);
                }

                var elementwise = new Tiling(rows.RowCount, rows.RowLength, 1, rows.RowsShareChannels ? FastTuning.ColumnsPerChunk : 0, FastTuning.MaximumElementwiseRowChunks);
                bool streaming = StreamingStores.PaysFor(x.Length, sizeof(T), FastNormalizeJob<T>.RunLength(rows, elementwise));
                ChunkScheduler.Run(new GradientJob<T>(pX, pDy, pMean, pA, pB, pC, pDx, rows, elementwise, streaming), elementwise.Count, Threads);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(coefficients);
            ArrayPool<double>.Shared.Return(doubles);
        }
    }

    /// <summary>
    /// Pass 1 with the statistics folded in: Σ d, Σ d², Σ dy, Σ dy · d over d = x - shift per channel, in one pass
    /// over x and dy, into <paramref name="sums"/> (4 × channels; its last two parts become Σ dy and
    /// Σ dy · (x - mean)), with the call's mean and variance. Returns false, leaving the work to the exact route,
    /// when a channel's shift lies more than <see cref="FastTuning.BackwardShiftLimit"/> standard deviations from its
    /// mean (or the sums are not finite).
    /// </summary>
    private bool SumFolded<T>(AxisResolution layout, RowLayout rows, ReadOnlySpan<T> x, T* pX, T* pDy, Span<double> shifts, double* sums, Span<double> mean, Span<double> variance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        BackwardShifts(x, channels, rows, shifts);
        SumAgainstShifts(rows, channels, pX, pDy, shifts, sums);
        FoldedSums folded = FoldedSums.Of(new Span<double>(sums, 4 * channels));
        double count = layout.ReductionCount;
        ChannelFold.StatisticsFromSums(shifts, folded.Sum, folded.Squares, count, mean, variance);
        for (int c = 0; c < channels; c++)
        {
            double shiftToMean = folded.Sum[c] / count;
            if (!(Math.Abs(shiftToMean) <= FastTuning.BackwardShiftLimit * Math.Sqrt(variance[c])) || !double.IsFinite(folded.SumDyShifted[c]))
            {
                return false;
            }

            folded.SumDyShifted[c] -= shiftToMean * folded.SumDy[c];
        }

        return true;
    }

    /// <summary>
    /// Σ d, Σ d², Σ dy and Σ dy · d over d = x - shift per channel, in one pass over x and dy, into
    /// <paramref name="sums"/> (4 × channels, <see cref="FoldedSums"/>); float32 channels-last in float32 blocks.
    /// </summary>
    private void SumAgainstShifts<T>(RowLayout rows, int channels, T* pX, T* pDy, Span<double> shifts, double* sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && rows.RowsShareChannels)
        {
            int width = rows.RowLength;
            float[] rentedShift = ArrayPool<float>.Shared.Rent(width);
            try
            {
                Conversions.Narrow<float>(shifts, rentedShift.AsSpan(0, width));
                fixed (float* floatShift = rentedShift)
                {
                    var tiling = new Tiling(rows.RowCount, width, FastTuning.RowsPerBlock, FastTuning.ColumnsPerChunk, FastTuning.MaximumPartialSlots(width, 4));
                    SumInSlots(new ChannelsLastFoldedSumsJob((float*)pX, (float*)pDy, floatShift, null, rows, tiling), tiling, width, sums, 4);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(rentedShift);
            }
        }
        else
        {
            fixed (double* pShift = shifts)
            {
                var tiling = new Tiling(rows.RowCount, rows.RowLength, 1, 0, FastTuning.MaximumPartialSlots(channels, 4));
                SumInSlots(new RowFoldedSumsJob<T>(pX, pDy, pShift, null, channels, rows, tiling), tiling, channels, sums, 4);
            }
        }
    }

    /// <summary>
    /// Each channel's backward shift, fixed by the shape (so the same for every thread count) and rounded to
    /// <typeparamref name="T"/>: the mean of its first <see cref="FastTuning.BackwardShiftValues"/> values in row order
    /// when rows share their channels (the first rows) or hold one channel (the start of its first row), else its
    /// first value (<see cref="ChooseShifts{T}"/>).
    /// </summary>
    private static void BackwardShifts<T>(ReadOnlySpan<T> x, int channels, RowLayout rows, Span<double> shifts)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows.RowsShareChannels)
        {
            int count = Math.Min(FastTuning.BackwardShiftValues, rows.RowCount);
            shifts.Clear();
            for (int r = 0; r < count; r++)
            {
                ReadOnlySpan<T> row = x.Slice(r * rows.RowLength, rows.RowLength);
                for (int c = 0; c < channels; c++)
                {
                    shifts[c] += double.CreateTruncating(row[c]);
                }
            }

            for (int c = 0; c < channels; c++)
            {
                shifts[c] = double.CreateTruncating(T.CreateTruncating(shifts[c] / count));
            }

            return;
        }

        ChooseShifts(x, channels, rows, shifts, FastTuning.BackwardShiftValues);
    }

    /// <summary>
    /// The statistics a call normalizes with (Keras: batch statistics only when training a trainable layer, else the
    /// moving ones).
    /// </summary>
    private void StatisticsOfTheCall<T>(AxisResolution layout, RowLayout rows, BatchNormOptions options, bool training, ReadOnlySpan<T> x, BatchNormWeights<T> weights, Span<double> mean, Span<double> variance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (training && options.Trainable)
        {
            ComputeStatistics(layout, rows, x, mean, variance);
        }
        else
        {
            Conversions.Widen(weights.MovingMean, mean);
            Conversions.Widen(weights.MovingVariance, variance);
        }
    }
}
