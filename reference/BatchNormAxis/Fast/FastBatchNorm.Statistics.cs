using System.Buffers;
using System.Numerics;

namespace BatchNormAxis;

/// <summary>
/// Batch statistics of the fast implementation: one pass of shifted sums per channel, cut into chunks fixed by the
/// shape, each row chunk summing into its own slot, the slots merged in chunk order.
/// </summary>
public sealed unsafe partial class FastBatchNorm
{
    /// <summary>One pass of shifted sums per channel, then mean = shift + S1/N and variance = S2/N - (S1/N)².</summary>
    private void ComputeStatistics<T>(AxisResolution layout, RowLayout rows, ReadOnlySpan<T> x, Span<double> mean, Span<double> variance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        double[] rented = ArrayPool<double>.Shared.Rent(3 * channels);
        try
        {
            Span<double> shifts = rented.AsSpan(0, channels);
            Span<double> sums = rented.AsSpan(channels, 2 * channels);
            SumShifted(layout, rows, x, shifts, sums);
            double count = layout.ReductionCount;
            ChannelFold.StatisticsFromSums(shifts, sums[..channels], sums[channels..], count, mean, variance);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Each channel's shift (one of its own values) and the sums of x - shift and of its squares, in
    /// <paramref name="sums"/> as <c>[Σ (x - shift) per channel, Σ (x - shift)² per channel]</c>.
    /// </summary>
    private void SumShifted<T>(AxisResolution layout, RowLayout rows, ReadOnlySpan<T> x, Span<double> shifts, Span<double> sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        fixed (T* pX = x)
        fixed (double* pShift = shifts)
        fixed (double* pSums = sums)
        {
            if (typeof(T) == typeof(float) && rows.RowsShareChannels)
            {
                // Every row holds the same channels (channels-last with one kept group): blocks of rows by channels.
                SumChannelsLast((float*)pX, rows, pShift, pSums);
            }
            else
            {
                ChooseShifts(x, channels, rows, shifts);
                var tiling = new Tiling(rows.RowCount, rows.RowLength, 1, 0, FastTuning.MaximumPartialSlots(channels));
                SumInSlots(new RowStatisticsJob<T>(pX, pShift, null, channels, rows, tiling), tiling, channels, pSums);
            }
        }
    }

    /// <summary>
    /// float32 channels-last (every row holds channels 0..C-1): tiles of rows by channels, accumulated in float32
    /// blocks of <see cref="FastTuning.RowsPerBlock"/> rows and added into double sums. The shift is row 0.
    /// </summary>
    private void SumChannelsLast(float* x, RowLayout rows, double* shift, double* sums)
    {
        int width = rows.RowLength;
        float[] rentedShift = ArrayPool<float>.Shared.Rent(width);
        try
        {
            fixed (float* floatShift = rentedShift)
            {
                new ReadOnlySpan<float>(x, width).CopyTo(new Span<float>(floatShift, width));
                var shifts = new Span<double>(shift, width);
                shifts.Clear();
                FastKernels.AddWidened(new ReadOnlySpan<float>(floatShift, width), shifts);

                var tiling = new Tiling(rows.RowCount, width, FastTuning.RowsPerBlock, FastTuning.ColumnsPerChunk, FastTuning.MaximumPartialSlots(width));
                SumInSlots(new ChannelsLastStatisticsJob(x, floatShift, null, rows, tiling), tiling, width, sums);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rentedShift);
        }
    }

    /// <summary>
    /// Runs a summing job whose row chunks each add into their own slot of <c>sumsPerChannel × width</c> doubles, then merges the
    /// slots in chunk order into <paramref name="destination"/>. With one row chunk the destination is the slot.
    /// </summary>
    private void SumInSlots<TJob>(TJob job, Tiling tiling, int width, double* destination, int sumsPerChannel = 2)
        where TJob : struct, IPartialSumJob<TJob>
    {
        int slots = tiling.RowChunks;
        int slotsLength = sumsPerChannel * width * slots;
        double[]? rented = slots > 1 ? ArrayPool<double>.Shared.Rent(slotsLength) : null;
        try
        {
            fixed (double* pooled = rented)
            {
                double* partials = slots > 1 ? pooled : destination;
                new Span<double>(partials, slotsLength).Clear();
                ChunkScheduler.Run(job.WithPartials(partials), tiling.Count, Threads);
                if (slots > 1)
                {
                    PartialSums.Merge(partials, slots, sumsPerChannel * width, destination);
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<double>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Each channel's shift is its first value in row order (any of its values would do; the first is fixed by the
    /// shape, so results do not depend on how rows are split among threads). For rows of one channel, the mean of the
    /// first <paramref name="valuesPerChannel"/> values of the channel's first row instead (the backward pass's
    /// shifts, which must lie near the mean).
    /// </summary>
    private static void ChooseShifts<T>(ReadOnlySpan<T> x, int channels, RowLayout rows, Span<double> shift, int valuesPerChannel = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool[] rentedSeen = ArrayPool<bool>.Shared.Rent(channels);
        try
        {
            Span<bool> seen = rentedSeen.AsSpan(0, channels);
            seen.Clear();
            int unseen = channels;
            for (int row = 0; row < rows.RowCount && unseen > 0; row++)
            {
                int first = rows.FirstChannelOf(row);
                if (seen[first])
                {
                    continue; // rows cover whole runs of channels, so a run's first channel stands for all of them
                }

                ReadOnlySpan<T> values = x.Slice(row * rows.RowLength, rows.RowLength);
                if (rows.InnermostKept)
                {
                    Conversions.Widen(values, shift.Slice(first, rows.RowLength));
                    unseen -= rows.RowLength;
                }
                else
                {
                    shift[first] = MeanOfStart(values, valuesPerChannel);
                    unseen--;
                }

                seen[first] = true;
            }
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(rentedSeen);
        }
    }

    /// <summary>The mean of a run's first <paramref name="count"/> values (all of them if fewer), rounded to <typeparamref name="T"/>: its first value when count is 1.</summary>
    private static double MeanOfStart<T>(ReadOnlySpan<T> values, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> start = values[..Math.Min(count, values.Length)];
        double sum = 0;
        foreach (T value in start)
        {
            sum += double.CreateTruncating(value);
        }

        return double.CreateTruncating(T.CreateTruncating(sum / start.Length));
    }
}
