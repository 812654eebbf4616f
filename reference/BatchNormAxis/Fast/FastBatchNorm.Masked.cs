using System.Buffers;
using System.Numerics;

namespace BatchNormAxis;

/// <summary>
/// Masked batch statistics (Keras 3: one flag per position of x without its last axis): the kept positions' shifted
/// sums and counts in one pass (<see cref="MaskedStatisticsJob{T}"/>), then Keras' weighted moments per channel.
/// </summary>
public sealed unsafe partial class FastBatchNorm
{
    /// <summary>
    /// Each channel's masked mean and variance, left in the form of sums the fold reads over one value:
    /// <paramref name="shifts"/> ← mean, the first third of <paramref name="sums"/> ← 0, the second ← variance.
    /// <paramref name="sums"/> holds 3 × channels doubles: the kept sums, squares and counts while they are made.
    /// </summary>
    private void SumMasked<T>(AxisResolution layout, RowLayout rows, ReadOnlySpan<T> x, ReadOnlySpan<bool> mask, Span<double> shifts, Span<double> sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        int segment = layout.Shape[^1];
        ChooseMaskedShifts(x, mask, segment, rows, shifts);
        float[]? floatShifts = typeof(T) == typeof(float) && rows.RowsShareChannels ? ArrayPool<float>.Shared.Rent(channels) : null;
        try
        {
            fixed (T* pX = x)
            fixed (bool* pMask = mask)
            fixed (double* pShift = shifts)
            fixed (float* pFloatShift = floatShifts)
            fixed (double* pSums = sums)
            {
                if (floatShifts is not null)
                {
                    // Every row holds the same channels (channels-last): float32 blocks of rows, as without a mask.
                    Conversions.Narrow<float>(shifts, floatShifts.AsSpan(0, channels));
                    var tiling = new Tiling(rows.RowCount, channels, FastTuning.RowsPerBlock, FastTuning.ColumnsPerChunk, FastTuning.MaximumPartialSlots(channels, sumsPerChannel: 3));
                    SumInSlots(new MaskedChannelsLastStatisticsJob((float*)pX, pMask, segment, pFloatShift, null, rows, tiling), tiling, channels, pSums, sumsPerChannel: 3);
                }
                else
                {
                    var tiling = new Tiling(rows.RowCount, rows.RowLength, 1, 0, FastTuning.MaximumPartialSlots(channels, sumsPerChannel: 3));
                    SumInSlots(new MaskedStatisticsJob<T>(pX, pMask, segment, pShift, null, channels, rows, tiling), tiling, channels, pSums, sumsPerChannel: 3);
                }
            }
        }
        finally
        {
            if (floatShifts is not null)
            {
                ArrayPool<float>.Shared.Return(floatShifts);
            }
        }

        ChannelFold.ReplaceWithMaskedStatistics(shifts, sums[..channels], sums.Slice(channels, channels), sums.Slice(2 * channels, channels));
    }

    /// <summary>
    /// Each channel's shift is its first kept value in row order (a kept value, so a masked-out NaN or outlier never
    /// enters the sums); 0 for a channel with none. Stops as soon as every channel has one.
    /// </summary>
    private static void ChooseMaskedShifts<T>(ReadOnlySpan<T> x, ReadOnlySpan<bool> mask, int segment, RowLayout rows, Span<double> shift)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A kept segment of a row of consecutive channels gives all its channels a shift at once: they are seen as a
        // group (segments start at multiples of their length, and so do the channels of a row).
        int group = rows.InnermostKept ? segment : 1;
        shift.Clear();
        int groups = shift.Length / group;
        bool[] rentedSeen = ArrayPool<bool>.Shared.Rent(groups);
        try
        {
            Span<bool> seen = rentedSeen.AsSpan(0, groups);
            seen.Clear();
            int unseen = groups;
            int segmentsPerRow = rows.RowLength / segment;
            for (int row = 0; row < rows.RowCount && unseen > 0; row++)
            {
                int first = rows.FirstChannelOf(row);
                long start = (long)row * rows.RowLength;
                ReadOnlySpan<bool> flags = mask.Slice((int)(start / segment), segmentsPerRow);
                for (int s = 0; s < flags.Length; s++)
                {
                    int channel = rows.InnermostKept ? first + (s * segment) : first;
                    if (!flags[s] || seen[channel / group])
                    {
                        continue;
                    }

                    ReadOnlySpan<T> values = x.Slice((int)start + (s * segment), segment);
                    if (rows.InnermostKept)
                    {
                        Conversions.Widen(values, shift.Slice(channel, segment));
                    }
                    else
                    {
                        shift[channel] = double.CreateTruncating(values[0]);
                    }

                    seen[channel / group] = true;
                    unseen--;
                }
            }
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(rentedSeen);
        }
    }
}
