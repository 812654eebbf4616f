namespace BatchNormAxis;

/// <summary>
/// Every tuning constant of <see cref="FastBatchNorm"/>, with why it has its value. None of them changes a result:
/// chunks and blocks are fixed by the shape and these constants alone, never by the thread count, and sums are
/// merged in a fixed order, so results are bit-identical for every thread count whatever the values. They trade
/// cache use against bookkeeping; the measurements behind them are in docs/performance.md.
/// </summary>
internal static class FastTuning
{
    /// <summary>
    /// Elements a chunk has at least, so that handing it to another thread costs little next to doing it and inputs
    /// of fewer elements stay on the calling thread. Measured on 2 threads against 16 K and 256 K, side by side in one
    /// process, on inputs of 64 K to 512 K elements: both were slower in most modes (docs/performance.md, "Threads").
    /// </summary>
    public const int MinimumChunkElements = 1 << 16;

    /// <summary>
    /// How long a helper thread spins for the next fork before it blocks, and a caller for its helpers to finish
    /// (<see cref="SpinningHelpers"/>). A millisecond is above the 90th percentile of the gaps between forks, within a
    /// call and between back-to-back calls, on the peer benchmark's 12 cells on 2 threads (35 to 107 µs; the 99th
    /// percentile 75 to 980 µs), and below the 2 to 6 ms of those calls. Each helper keeps its processor busy that
    /// long after a call's last fork.
    /// </summary>
    public const int HelperSpinMicroseconds = 1000;

    /// <summary>
    /// Columns per chunk of a channels-last pass: whole rows unless rows are very wide (axis=[1, 2, 3]: 200704
    /// channels), whose columns are then split among threads; column chunks write disjoint sums, so they need no merge.
    /// </summary>
    public const int ColumnsPerChunk = 8192;

    /// <summary>
    /// Row chunks of a pass that writes only its own outputs (normalize, dx): enough to keep any thread count we see
    /// busy to the end, few enough that handing them out costs nothing next to their 64 K elements or more.
    /// </summary>
    public const int MaximumElementwiseRowChunks = 64;

    /// <summary>Partial-sum slots are at most this many doubles (8 MB) in all; more chunks than that do not pay.</summary>
    public const int PartialSumBudget = 1 << 20;

    /// <summary>
    /// Row chunks of a summing pass at most, each with its own slot of partial sums merged at the end: enough for
    /// the core counts we see, while the merge stays small next to the pass.
    /// </summary>
    public const int MaximumSummingRowChunks = 16;

    /// <summary>
    /// Rows (along a channels-first run: values per lane) accumulated in float32 lanes before they are added into the
    /// double sums: short enough that float32 sums of values already shifted near zero stay accurate (64 roundings at
    /// most), long enough that the widening and the double additions cost little per row.
    /// </summary>
    public const int RowsPerBlock = 64;

    /// <summary>
    /// Rows read together by <see cref="FastKernels.AccumulateRowGroups"/> (the wide-columns path's statistics):
    /// against two vectors of channels down all 32 rows of axis=[1, 2, 3], training took 0.70 to 0.78 times as long
    /// and backward 0.84; against groups of 8, groups of 4 took 1.10 to 1.15 times as long and groups of 16 1.20 to
    /// 1.25 (side by side in one process, 1 and 2 threads). A group of eight is added as a tree
    /// (<see cref="RowGroupTree"/>, written out for eight rows); a group of any other size would add its terms one by one.
    /// </summary>
    public const int RowsPerGroup = 8;

    /// <summary>
    /// Channels per chunk of the forward's per-channel step (<see cref="ChannelFoldJob{T}"/>): more than any layer
    /// measured has, so the step runs on the calling thread. With the spinning helpers, axis=[1, 2, 3] inference
    /// (200704 channels) on 2 threads took 0.72 to 0.95 of the time with one chunk that it took with chunks of 16 K
    /// channels (side by side in blocks of back-to-back calls, five runs, 2026-12-03; 1 thread unchanged). The step
    /// alone, in a loop, took 2 to 3 times as long on 2 threads as on 1, where chunks of pure arithmetic of the same
    /// length took half as long: the step writes four arrays of 0.8 MB, probably slowed by lines the other core wrote
    /// last. With thread-pool helpers, 16 K-channel chunks had measured 0.65 to 0.90 of one chunk's time
    /// (2026-12-02).
    /// </summary>
    public const int FoldChannelsPerChunk = 1 << 24;

    /// <summary>
    /// Channels-last rows at least this wide have their backward sums taken four rows at a time
    /// (<see cref="FastGradientKernels.AccumulateFoldedBlock"/>): 16 % faster on axis=[1, 2, 3]'s 512-channel blocks,
    /// 25 % slower on 64-channel rows (measured side by side in one process).
    /// </summary>
    public const int FourRowMinimumWidth = 256;

    /// <summary>
    /// Channels-last rows at most this wide (a multiple of 16) take <see cref="NarrowRows"/>' loops on hardware with
    /// 512-bit vectors: up to four values per channel in 16 of the 32 registers. Against the 256-bit loops, on
    /// axis=-1 (64 channels; Zen 4, side by side in one process, blocks of back-to-back calls, two or three runs per
    /// mode and thread count), backward took 0.78 to 0.83 of the time on one thread and 0.81 to 0.86 on two;
    /// training 0.84 to 0.89 and 0.76 to 0.86; inference 0.84 to 0.96 and 0.94 to 0.98. Wider rows would need more
    /// registers than there are.
    /// </summary>
    public const int NarrowRowMaximumWidth = 64;

    /// <summary>
    /// Runs of y or dx shorter than this many elements keep the 256-bit loops although their rows are narrow enough
    /// for <see cref="NarrowRows"/>: the 512-bit loops first rotate their coefficients for the run's alignment, which
    /// one short row cannot pay back. Layouts whose rows do not share their channels write one row per run; on
    /// (4, 4096, 16) with axis=[0, 2] (rows of 16 channels), the 512-bit loops for every row took 2 to 5 times as long
    /// as the 256-bit ones (inference, training and backward, 1 and 2 threads; Zen 4, side by side). Runs of whole
    /// rows that share their channels are a chunk long, far above this.
    /// </summary>
    public const int NarrowRowMinimumRun = 1024;

    /// <summary>Channels accumulated together: two float32 accumulators of this size (2 KB each) stay in L1 cache.</summary>
    public const int ChannelsPerBlock = 512;

    /// <summary>
    /// Channels-last columns whose per-channel coefficients stay in L1 while every row's slice of them is written
    /// (normalize: scale and shift, 16 KB; dx: mean, a, b and c, 32 KB); wide rows (axis=[1, 2, 3]) would otherwise
    /// re-read those arrays from memory for every row.
    /// </summary>
    public const int ElementwiseColumnsPerBlock = 2048;

    /// <summary>
    /// Bytes of one input's rows in a chunk of the wide-columns path (<see cref="WideColumns"/>) where the L2 per core
    /// is below 1 MiB or unknown, and of a masked training chunk everywhere: x's rows of a chunk stay in L2 between the
    /// statistics and y, so x is read from memory once. On the Zen 3 (512 KB of L2) a backward chunk's x and dy fill
    /// it, yet chunks of 128 KB were not faster there in every run, and chunks of 64 KB were slower (side by side,
    /// "What each change measured"). Larger L2s take <see cref="WideForwardChunkBytes"/> and
    /// <see cref="WideBackwardChunkBytes"/>.
    /// </summary>
    public const int WideChunkBytes = 256 * 1024;

    /// <summary>Rows at most for the wide-columns path: a chunk is then at least <see cref="ChannelsPerBlock"/> columns wide.</summary>
    public const int WideMaximumRows = WideChunkBytes / (sizeof(float) * ChannelsPerBlock);

    /// <summary>Bytes of x's rows in a chunk of an unmasked wide-columns training forward, on this machine (<see cref="WideForwardChunkBytesFor"/>).</summary>
    public static int WideForwardChunkBytes { get; } = WideForwardChunkBytesFor(CacheSizes.L2Bytes);

    /// <summary>Bytes of each input's rows in a chunk of the wide-columns backward, on this machine (<see cref="WideBackwardChunkBytesFor"/>).</summary>
    public static int WideBackwardChunkBytes { get; } = WideBackwardChunkBytesFor(CacheSizes.L2Bytes);

    /// <summary>
    /// The unmasked training forward's chunk bytes for an L2 of <paramref name="l2Bytes"/> per core (0: unknown): 384 KB
    /// from 1 MiB of L2, else <see cref="WideChunkBytes"/>. On the Zen 4 (1 MiB of L2), axis=[1, 2, 3] training with
    /// chunks of 384 KB (3072 columns of 32 rows) took 0.86 to 1.01 of the time of 256 KB on one thread (median of 11
    /// runs of scripts/compat/side-by-side.sh 0.97) and 0.87 to 1.01 on two (0.96): a small gain; 320 KB 0.73 to 1.01 and 0.89 to 1.02
    /// (six runs, medians 0.94 and 0.97); 448 KB 0.95 to 1.02; 512 KB 1.04 to 1.11, slower. The same bits. Masked calls
    /// were not measured and keep <see cref="WideChunkBytes"/>; smaller L2s (the Zen 3's 512 KiB) too.
    /// </summary>
    public static int WideForwardChunkBytesFor(int l2Bytes) => l2Bytes >= 1 << 20 ? 3 * WideChunkBytes / 2 : WideChunkBytes;

    /// <summary>
    /// The wide backward's chunk bytes for an L2 of <paramref name="l2Bytes"/> per core (0: unknown): 512 KB from 1 MiB
    /// of L2 (x's and dy's rows of a chunk then fill it), else <see cref="WideChunkBytes"/>. On the Zen 4 (1 MiB of L2),
    /// axis=[1, 2, 3] backward with 512 KB took 0.91 to 0.99 of the time of 256 KB on one thread and 0.88 to 0.99 on
    /// two (six runs of scripts/compat/side-by-side.sh, the same bits); 384 KB 0.93 to 0.98, 768 KB 0.91 to 0.95 on
    /// one thread and 0.86 to 1.01 on two. Larger L2s were not measured, so they get the same 512 KB; smaller ones
    /// (the Zen 3's 512 KiB) keep 256 KB, which x and dy already fill there.
    /// </summary>
    public static int WideBackwardChunkBytesFor(int l2Bytes) => l2Bytes >= 1 << 20 ? 2 * WideChunkBytes : WideChunkBytes;

    /// <summary>
    /// Columns per chunk of the wide-columns path for inputs of <paramref name="rows"/> rows, each input's rows taking
    /// about <paramref name="chunkBytes"/>: a multiple of <see cref="ChannelsPerBlock"/>.
    /// </summary>
    public static int WideColumnsPerChunk(int rows, int chunkBytes) => Math.Max(1, chunkBytes / (sizeof(float) * rows) / ChannelsPerBlock) * ChannelsPerBlock;

    /// <summary>
    /// Whole rows at least this long are written two at a time (<see cref="FastKernels.ScaleShiftRowPairs{T}"/>), so
    /// each vector of scale and shift is loaded once per pair: their 2 × 4 × 64 K bytes and more of float32 scale
    /// and shift (1.6 MB on axis=[1, 2, 3]) no longer stay in L2. Measured on axis=[1, 2, 3] inference, side by side:
    /// 0.87 to 0.91 of the time on one thread, 0.94 to 1.05 on two; shorter rows were not measured.
    /// </summary>
    public const int PairedRowMinimumLength = 1 << 16;

    /// <summary>
    /// Bytes the second row of a row pair (<see cref="FastKernels.ScaleShiftRowPairs{T}"/>,
    /// <see cref="FastGradientKernels.GradientRowPairs{T}"/>) runs behind the first: a few vectors, so the second
    /// row's coefficients are still in L1 and the rows' loads and stores do not alias below 4 KB.
    /// </summary>
    public const int PairLagBytes = 256;

    /// <summary>
    /// Outputs (y, dx) of at least this many bytes are written with streaming stores (<see cref="StreamingStores"/>),
    /// which skip the read of each line a normal store makes first: measured 1.06 to 1.66 times faster at 14.7 and
    /// 25.7 MB. Smaller outputs take normal stores although streaming them is faster in a loop that never reads them
    /// (measured at 6.4 MB): up to a quarter of the 32 MB L3 of docs/performance.md's machine, the output may still
    /// be in cache when the next layer reads it. A judgement, not a measurement.
    /// </summary>
    public const long StreamingStoreBytes = 8L << 20;

    /// <summary>Runs of consecutive output elements shorter than this take normal stores (see <see cref="StreamingStores.PaysFor"/>).</summary>
    public const int StreamingMinimumRun = 1024;

    /// <summary>
    /// How far ahead of its reads a kernel prefetches (<see cref="SoftwarePrefetch"/>). The forward statistics of
    /// axis=-1 (Zen 3, side by side): 0.88 of the time at 1 KB, 0.79 to 0.82 from 2 to 16 KB; 8 KB is in the middle.
    /// </summary>
    public const int PrefetchDistanceBytes = 8192;

    /// <summary>Row chunks of a summing pass whose partial sums of <c>2 × width</c> doubles fit the budget.</summary>
    public static int MaximumPartialSlots(int width, int sumsPerChannel = 2) => Math.Clamp(PartialSumBudget / (sumsPerChannel * width), 1, MaximumSummingRowChunks);

    /// <summary>
    /// Values per channel, in row order, whose mean is the backward pass's shift (FastBatchNorm.BackwardShifts): a
    /// mean lies near the channel's mean, so Σ dy · (x - shift) cancels little when the mean is taken back out.
    /// </summary>
    public const int BackwardShiftValues = 64;

    /// <summary>
    /// How many standard deviations the backward shift may lie from a channel's mean before the backward pass
    /// computes Σ dy · (x - mean) exactly, in a pass of its own: beyond it, Σ dy · (x - shift) - (mean - shift) · Σ dy
    /// would lose more of its float32 sums to cancellation than docs/tolerance.md's backward bound allows for.
    /// </summary>
    public const double BackwardShiftLimit = 4;
}
