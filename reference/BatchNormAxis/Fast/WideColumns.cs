using System.Buffers;

namespace BatchNormAxis;

/// <summary>
/// Wide channels-last keep-sets with few rows (axis=[1, 2, 3] on NHWC: 32 rows of 200704 channels): a chunk is a
/// block of columns whose rows all stay in L2 (<see cref="FastTuning.WideChunkBytes"/>), and it does everything
/// for its channels (statistics, the per-channel step, the elementwise pass) before the next block, so the input is
/// read from memory once and the per-channel arrays never leave the cache. The kernels are the pass-by-pass path's,
/// applied in the same order to each channel, so the results are the same bits.
/// </summary>
internal static unsafe class WideColumns
{
    /// <summary>Whether a layout takes this path: rows that share their channels, few enough to fill a chunk.</summary>
    public static bool Fits(RowLayout rows) => rows.RowsShareChannels && rows.RowCount <= FastTuning.WideMaximumRows;

    /// <summary>The chunks of a layout: one row chunk (every row) by blocks of <see cref="FastTuning.WideColumnsPerChunk"/> columns.</summary>
    public static Tiling Chunks(RowLayout rows) =>
        new(rows.RowCount, rows.RowLength, FastTuning.RowsPerBlock, FastTuning.WideColumnsPerChunk(rows.RowCount), maximumRowChunks: 1);

    /// <summary>
    /// Shifted sums of a chunk's channels of a float32 input, the shift being row 0: float32 blocks of
    /// <see cref="FastTuning.RowsPerBlock"/> rows added in row order into <paramref name="sum"/> and
    /// <paramref name="squares"/> (cleared here, indexed from the chunk's first channel), as
    /// <see cref="ChannelsLastStatisticsJob"/> adds them.
    /// </summary>
    public static void SumShifted(float* x, RowLayout rows, Tiling chunks, int chunk, Span<double> sum, Span<double> squares)
    {
        Span<float> blockSum = stackalloc float[FastTuning.ChannelsPerBlock]; // constant size, as the pass-by-pass job
        Span<float> blockSquares = stackalloc float[FastTuning.ChannelsPerBlock];
        sum.Clear();
        squares.Clear();
        int first = chunks[chunk].FirstColumn;
        foreach (TileBlock block in new TileWalk(chunks, rows, chunk, FastTuning.RowsPerBlock, FastTuning.ChannelsPerBlock))
        {
            int c = block.Channel - first;
            FastKernels.AccumulateChannelBlock(
                new ReadOnlySpan<float>(x + block.Start, block.Extent(rows.RowLength)),
                rows.RowLength,
                block.Rows,
                new ReadOnlySpan<float>(x + block.Channel, block.Length),
                blockSum,
                blockSquares,
                sum.Slice(c, block.Length),
                squares.Slice(c, block.Length));
        }
    }

    /// <summary>Σ dy and Σ dy · (x - mean) of a chunk's channels, as <see cref="ChannelsLastGradientSumsJob"/> adds them.</summary>
    public static void SumGradients(float* x, float* dy, RowLayout rows, Tiling chunks, int chunk, ReadOnlySpan<float> mean, Span<double> sumDy, Span<double> sumDyCentred)
    {
        Span<float> blockDy = stackalloc float[FastTuning.ChannelsPerBlock];
        Span<float> blockDyCentred = stackalloc float[FastTuning.ChannelsPerBlock];
        sumDy.Clear();
        sumDyCentred.Clear();
        int first = chunks[chunk].FirstColumn;
        foreach (TileBlock block in new TileWalk(chunks, rows, chunk, FastTuning.RowsPerBlock, FastTuning.ChannelsPerBlock))
        {
            int c = block.Channel - first;
            int extent = block.Extent(rows.RowLength);
            FastGradientKernels.AccumulateChannelBlock(
                new ReadOnlySpan<float>(x + block.Start, extent),
                new ReadOnlySpan<float>(dy + block.Start, extent),
                rows.RowLength,
                block.Rows,
                mean.Slice(c, block.Length),
                blockDy,
                blockDyCentred,
                sumDy.Slice(c, block.Length),
                sumDyCentred.Slice(c, block.Length));
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
