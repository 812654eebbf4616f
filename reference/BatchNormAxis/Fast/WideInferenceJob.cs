namespace BatchNormAxis;

/// <summary>
/// Inference of few wide rows (axis=[1, 2, 3]: 32 rows of 200704 channels) on several threads: the columns are cut
/// into one part per thread, and each part does its channels' per-channel step and then y for its columns, the rows
/// in lagged pairs (<see cref="FastKernels.ScaleShiftRowPairs{T}"/>). The usual order, the step for every channel on
/// the calling thread and then row pairs shared among the threads, kept the other threads waiting for the step
/// (0.24 ms of the call's 1.5 ms on 2 threads). One thread keeps that order: cut into parts, its rows would be read
/// in shorter runs for nothing. Each channel's step and each element of y are computed as on one thread, so the
/// results are the same bits on every thread count.
/// </summary>
/// <remarks>
/// Measured on axis=[1, 2, 3] inference, side by side (Zen 4, 2026-12-04, docs/performance.md): on 2 threads 0.77 to
/// 0.84 of the time of the usual order, with four parts 0.85 to 0.87 and with eight 0.88, so one part per thread; on
/// 1 thread, two parts took 1.03 of the time of the usual order, four 1.20 and eight 1.27.
/// </remarks>
internal readonly unsafe struct WideInferenceJob<T>(
    ChannelFoldJob<T> fold,
    T* x,
    T* y,
    T* scale,
    T* offset,
    RowLayout rows,
    int parts,
    bool streaming) : IChunkJob
    where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    /// <summary>Elements a part's width is a multiple of: a cache line of float32, so every part starts as aligned as the row.</summary>
    public const int PartAlignment = 16;

    /// <summary>
    /// How many column parts an inference over <paramref name="rows"/> takes on <paramref name="threads"/> threads: one per
    /// thread for rows that go in pairs (<see cref="FastNormalizeJob{T}.PairsRows"/>), each part at least
    /// <see cref="FastTuning.MinimumChunkElements"/> elements; 1 (the usual path) otherwise.
    /// </summary>
    public static int Parts(RowLayout rows, int elements, int threads) =>
        threads > 1 && FastNormalizeJob<T>.PairsRows(rows) ? Math.Clamp(elements / FastTuning.MinimumChunkElements, 1, threads) : 1;

    /// <summary>The columns of part <paramref name="part"/> of <paramref name="count"/> across rows of <paramref name="width"/> elements.</summary>
    public static (int First, int Length) Columns(int width, int count, int part)
    {
        int perPart = (((width + count - 1) / count) + PartAlignment - 1) / PartAlignment * PartAlignment;
        int first = Math.Min(width, part * perPart);
        return (first, Math.Min(perPart, width - first));
    }

    public void Run(int part)
    {
        int width = rows.RowLength;
        (int first, int n) = Columns(width, parts, part);
        if (n == 0)
        {
            return;
        }

        fold.Fold(first, n);
        FastKernels.ScaleShiftRowPairs(x + first, y + first, width, rows.RowCount, new ReadOnlySpan<T>(scale + first, n), new ReadOnlySpan<T>(offset + first, n), streaming);
        if (streaming)
        {
            StreamingStores.Fence();
        }
    }
}

/// <summary>What <see cref="WideInferenceJob{T}"/> needs besides the step's inputs: x, its rows and how many column parts (1: none).</summary>
internal readonly ref struct ColumnParts<T>(ReadOnlySpan<T> x, RowLayout rows, int count)
{
    public ReadOnlySpan<T> X { get; } = x;

    public RowLayout Rows { get; } = rows;

    public int Count { get; } = count;
}
