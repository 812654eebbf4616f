using System.Buffers;

namespace BatchNormAxis;

/// <summary>
/// Wide channels-last keep-sets with few rows (axis=[1, 2, 3] on NHWC: 32 rows of 200704 channels): a chunk is a
/// block of columns whose rows all stay in L2 (<see cref="Chunks"/>), and it does everything
/// for its channels (statistics, the per-channel step, the elementwise pass) before the next block, so the input is
/// read from memory once and the per-channel arrays never leave the cache. The kernels are the pass-by-pass path's but
/// for the statistics, whose groups of eight rows are added as a tree (<see cref="RowGroupTree"/>): the results are
/// those bits whatever the chunks' width and the thread count, not the pass-by-pass path's bits for the same input.
/// </summary>
internal static unsafe class WideColumns
{
    /// <summary>Whether a layout takes this path: rows that share their channels, few enough to fill a chunk.</summary>
    public static bool Fits(RowLayout rows) => rows.RowsShareChannels && rows.RowCount <= FastTuning.WideMaximumRows;

    /// <summary>
    /// The chunks of a layout: one row chunk (every row) by blocks of <see cref="FastTuning.WideColumnsPerChunk"/>
    /// columns, each input's rows in a chunk taking about <paramref name="chunkBytes"/>
    /// (<see cref="FastTuning.WideForwardChunkBytes"/>, <see cref="FastTuning.WideBackwardChunkBytes"/>, or with a mask <see cref="FastTuning.WideChunkBytes"/>). A
    /// chunk holds whole channels, each summed over every row in row order, so its width changes no result.
    /// </summary>
    public static Tiling Chunks(RowLayout rows, int chunkBytes) =>
        new(rows.RowCount, rows.RowLength, FastTuning.RowsPerBlock, FastTuning.WideColumnsPerChunk(rows.RowCount, chunkBytes), maximumRowChunks: 1);

    /// <summary>
    /// Shifted sums of a chunk's channels of a float32 input, the shift being row 0: float32 sums over blocks of
    /// <see cref="FastTuning.RowsPerBlock"/> rows of the whole chunk, each block read
    /// <see cref="FastTuning.RowsPerGroup"/> rows at a time and each group added as a tree
    /// (<see cref="FastKernels.AccumulateRowGroups"/>), the blocks added in row order into <paramref name="sum"/> and
    /// <paramref name="squares"/> (cleared here).
    /// </summary>
    public static void SumShifted(float* x, RowLayout rows, Tiling chunks, int chunk, Span<double> sum, Span<double> squares)
    {
        (_, _, int first, int n) = chunks[chunk];
        int width = rows.RowLength;
        using var scratch = new Scratch<float>(2 * n);
        sum.Clear();
        squares.Clear();
        for (int r = 0; r < rows.RowCount; r += FastTuning.RowsPerBlock)
        {
            int blockRows = Math.Min(FastTuning.RowsPerBlock, rows.RowCount - r);
            var block = new ReadOnlySpan<float>(x + ((long)r * width) + first, ((blockRows - 1) * width) + n);
            var shift = new ReadOnlySpan<float>(x + first, n);
            FastKernels.AccumulateRowGroups(block, width, blockRows, shift, scratch[0, n], scratch[1, n], sum, squares);
        }
    }

    /// <summary>
    /// Shifted sums and counts of a chunk's channels over the positions <paramref name="mask"/> keeps, against
    /// <paramref name="shifts"/>, by the kernel of <see cref="MaskedChannelsLastStatisticsJob"/> (cleared here).
    /// </summary>
    public static void SumMasked(float* x, RowLayout rows, Tiling chunks, int chunk, PinnedMask mask, ReadOnlySpan<double> shifts, Span<double> sum, Span<double> squares, Span<double> counts)
    {
        (_, _, int first, int n) = chunks[chunk];
        int width = rows.RowLength;
        int segmentsPerRow = width / mask.Segment;
        using var floatShifts = new Scratch<float>(n);
        Span<float> shift = floatShifts[0, n];
        Conversions.Narrow(shifts, shift); // exact: each is one of x's float32 values, or 0
        var scratch = new RowBlockScratch(
            stackalloc float[FastTuning.ChannelsPerBlock], stackalloc float[FastTuning.ChannelsPerBlock], stackalloc float[FastTuning.ChannelsPerBlock]);
        sum.Clear();
        squares.Clear();
        counts.Clear();
        bool groups = MaskedKernels.FitsRowGroups(first, mask.Segment);
        using var groupScratch = new Scratch<float>(groups ? 3 * n : 0);
        for (int r = 0; r < rows.RowCount; r += FastTuning.RowsPerBlock)
        {
            int blockRows = Math.Min(FastTuning.RowsPerBlock, rows.RowCount - r);
            var flags = new ReadOnlySpan<bool>(mask.Flags + ((long)r * segmentsPerRow), blockRows * segmentsPerRow);
            if (groups)
            {
                MaskedKernels.AccumulateRowGroups(
                    new ReadOnlySpan<float>(x + ((long)r * width) + first, ((blockRows - 1) * width) + n),
                    width,
                    blockRows,
                    first,
                    flags,
                    mask.Segment,
                    shift,
                    new RowBlockScratch(groupScratch[0, n], groupScratch[1, n], groupScratch[2, n]),
                    sum,
                    squares,
                    counts);
                continue;
            }

            for (int c = 0; c < n; c += FastTuning.ChannelsPerBlock)
            {
                int m = Math.Min(FastTuning.ChannelsPerBlock, n - c);
                long start = ((long)r * width) + first + c;
                MaskedKernels.AccumulateRowBlock(
                    new ReadOnlySpan<float>(x + start, ((blockRows - 1) * width) + m),
                    width,
                    blockRows,
                    first + c,
                    flags,
                    mask.Segment,
                    shift.Slice(c, m),
                    scratch,
                    sum.Slice(c, m),
                    squares.Slice(c, m),
                    counts.Slice(c, m));
            }
        }
    }

    /// <summary>
    /// Σ dy and Σ dy · (x - mean) of a chunk's channels against their rounded <paramref name="mean"/>, in
    /// <paramref name="sums"/>' last two parts (<see cref="FoldedSums"/>, cleared here), by the kernel of
    /// <see cref="ChannelsLastFoldedSumsJob"/> without its statistics (<see cref="FastGradientKernels.AccumulateGradientBlock"/>),
    /// over the chunk's whole width at once: its rows are read in runs of the chunk's width rather than of
    /// <see cref="FastTuning.ChannelsPerBlock"/> (both measured together, side by side on the Zen 3 machine: 0.94 to
    /// 0.96 of the time on one thread, 0.96 to 0.99 on two).
    /// </summary>
    public static void SumGradients(float* x, float* dy, RowLayout rows, Tiling chunks, int chunk, ReadOnlySpan<float> mean, FoldedSums sums)
    {
        (_, _, int first, int n) = chunks[chunk];
        int width = rows.RowLength;
        using var scratch = new Scratch<float>(4 * n); // the kernel's four float32 sums; 8 n bytes of it in use
        sums.SumDy.Clear();
        sums.SumDyShifted.Clear();
        for (int r = 0; r < rows.RowCount; r += FastTuning.RowsPerBlock)
        {
            int blockRows = Math.Min(FastTuning.RowsPerBlock, rows.RowCount - r);
            long start = ((long)r * width) + first;
            int extent = ((blockRows - 1) * width) + n;
            FastGradientKernels.AccumulateGradientBlock(
                new ReadOnlySpan<float>(x + start, extent), new ReadOnlySpan<float>(dy + start, extent), width, blockRows, mean, scratch[0, 4 * n], sums);
        }
    }

    /// <summary>Scratch of a chunk from the shared pool (per-thread buckets: nothing allocated in steady state).</summary>
    public readonly struct Scratch<T> : IDisposable
        where T : unmanaged
    {
        private readonly T[] _array;

        public Scratch(int length) => _array = ArrayPool<T>.Shared.Rent(length);

        public Span<T> this[int index, int length] => _array.AsSpan(index * length, length);

        public void Dispose() => ArrayPool<T>.Shared.Return(_array);
    }
}
