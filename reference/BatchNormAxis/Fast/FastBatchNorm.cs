using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// The fast implementation, behind the same contract as <see cref="ScalarBatchNorm"/>. Any keep-set is read as
/// rows of contiguous memory (<see cref="RowLayout"/>): rows of consecutive channels (channels-last) or rows of one
/// channel (channels-first), so two kernels cover every axis pattern. Training reads x twice and writes y once:
/// one pass of shifted sums for the statistics, one fused <c>y = x * scale + shift</c>; backward reads x and dy twice
/// and writes dx once. Channels-last inputs of few wide rows (axis=[1, 2, 3]) go one block of columns at a time from
/// statistics to y while the block is in cache (<see cref="WideColumns"/>), and outputs of 8 MB and more bypass the
/// caches (<see cref="StreamingStores"/>).
/// </summary>
/// <remarks>
/// <para>Statistics: each channel's values minus one of its own values (the shift) are summed with their squares
/// in float32 lanes over short blocks (at most <see cref="FastTuning.RowsPerBlock"/> values per lane) and in double
/// across blocks, so a large mean does not cancel the variance and any summation order gives the same float32 result
/// to within rounding.</para>
/// <para>Threads: every pass is cut into chunks fixed by the shape alone (<see cref="Tiling"/>); sums are made per
/// chunk of rows and merged in chunk order, so results are bit-identical for every thread count and every run.
/// Inputs of fewer than about 64 K elements per chunk run on the calling thread. The other threads are helpers of the
/// library's own, at most one per processor besides the caller's, which spin for up to a millisecond after each
/// chunked pass so that the next one starts at once (<see cref="SpinningHelpers"/>); a call made while another
/// thread's call has them takes thread-pool threads instead.</para>
/// <para>Vectors: the kernels use <see cref="Vector{T}"/>, as wide as the machine's vectors (256 bits with AVX2, 128
/// bits with SSE or ARM64), so no machine with vector hardware runs the scalar loops; with 512-bit vectors, the
/// loops over channels-last rows of at most 64 channels keep their per-channel values in registers
/// (<see cref="NarrowRows"/>, the same bits). float32 and float64 are
/// vectorized in every pass over the data and in the per-channel steps (the forward's fold, dx's coefficients).
/// Sums along one channel's run add their vector lanes at the end, so channels-first results may differ in the last
/// bits between machines of different vector widths, never between runs or thread counts on one machine.</para>
/// <para>Half is stored in 16 bits and computed in float32, as Keras computes 16-bit layers. A Keras 3 mask changes
/// the batch statistics only: one pass over its kept positions (<see cref="MaskedStatisticsJob{T}"/>). Scratch
/// memory comes from <see cref="ArrayPool{T}.Shared"/> and the stack, so calls allocate nothing in steady state.</para>
/// <para>Batch renormalization: a renormalizing training call, forward or backward, is routed to
/// <see cref="ScalarBatchNorm"/> (renorm is rare; correctness first), so it gives the reference's results bit for bit.
/// Inference and frozen calls of a renormalizing layer are calls without renorm and run on the fast kernels.</para>
/// </remarks>
public sealed unsafe partial class FastBatchNorm : IBatchNormalization
{
    /// <summary>Uses every processor of the machine.</summary>
    public FastBatchNorm()
        : this(Environment.ProcessorCount)
    {
    }

    /// <summary>Uses at most <paramref name="threads"/> threads, the calling thread included.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is less than 1.</exception>
    public FastBatchNorm(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
    }

    /// <summary>The shared instance, on every processor; the class holds no state but its thread count (and chunk sizes tests vary).</summary>
    public static FastBatchNorm Instance { get; } = new();

    /// <summary>The most threads a call uses, the calling thread included.</summary>
    public int Threads { get; }

    /// <summary>
    /// Bytes of x's rows in a chunk of an unmasked wide-columns training forward: <see cref="FastTuning.WideForwardChunkBytes"/>,
    /// which depends on the machine's L2; tests set other sizes to check that the width of a chunk changes no bit.
    /// </summary>
    internal int WideForwardChunkBytes { get; init; } = FastTuning.WideForwardChunkBytes;

    /// <summary>
    /// Bytes of each input's rows in a chunk of the wide-columns backward: <see cref="FastTuning.WideBackwardChunkBytes"/>,
    /// which depends on the machine's L2; tests set other sizes to check that the width of a chunk changes no bit.
    /// </summary>
    internal int WideBackwardChunkBytes { get; init; } = FastTuning.WideBackwardChunkBytes;

    /// <inheritdoc/>
    public string Name => "fast";

    /// <inheritdoc/>
    public void Forward<T>(
        AxisResolution layout,
        BatchNormOptions options,
        bool training,
        ReadOnlySpan<T> x,
        BatchNormWeights<T> weights,
        ForwardDestinations<T> destinations,
        ReadOnlySpan<bool> mask = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        BatchNormArguments.ValidateForward(layout, options, x, weights, destinations, mask);
        if (options.Renorm is not null)
        {
            ForwardWithRenorm(layout, options, training, x, weights, destinations, mask);
            return;
        }

        if (!(IsComputeType<T>() || typeof(T) == typeof(Half)))
        {
            ScalarBatchNorm.Instance.Forward(layout, options, training, x, weights, destinations, mask);
            return;
        }

        if (typeof(T) == typeof(Half))
        {
            HalfInFloat32.Forward(this, layout, options, training, MemoryMarshal.Cast<T, Half>(x), Cast<T, Half>(weights), Cast<T, Half>(destinations), mask);
            return;
        }

        int channels = layout.ChannelCount;
        Span<int> layoutScratch = stackalloc int[RowLayout.ScratchLength]; // constant size, whatever the rank
        var rows = new RowLayout(layout, layoutScratch);
        bool useBatchStatistics = training && options.Trainable;
        bool masked = useBatchStatistics && !mask.IsEmpty; // a mask only changes the batch statistics
        if (typeof(T) == typeof(float) && useBatchStatistics && WideColumns.Fits(rows))
        {
            ForwardWide(layout, rows, options, MemoryMarshal.Cast<T, float>(x), Cast<T, float>(weights), Cast<T, float>(destinations), masked ? mask : default);
            return;
        }

        // Shifts, then the shifted sums and squares (and with a mask the kept counts), one per channel each.
        int sumsPerChannel = masked ? 3 : 2;
        double[] sums = ArrayPool<double>.Shared.Rent(useBatchStatistics ? (1 + sumsPerChannel) * channels : 0);
        int padded = channels + Vector<T>.Count; // whole rows read as one run need their channels repeated once
        T[] parameters = ArrayPool<T>.Shared.Rent(2 * padded);
        try
        {
            Span<double> shifts = sums.AsSpan(0, useBatchStatistics ? channels : 0);
            Span<double> shiftedSums = sums.AsSpan(shifts.Length, sumsPerChannel * shifts.Length);
            if (masked)
            {
                SumMasked(layout, rows, x, mask, shifts, shiftedSums);
            }
            else if (useBatchStatistics)
            {
                SumShifted(layout, rows, x, shifts, shiftedSums);
            }

            // One pass over the channels: statistics, fold, moving update and optional outputs; in column parts, y too.
            Span<T> scale = parameters.AsSpan(0, channels);
            Span<T> offset = parameters.AsSpan(padded, channels);
            int columnParts = useBatchStatistics ? 1 : WideInferenceJob<T>.Parts(rows, x.Length, Threads);
            FoldChannels(
                new ChannelFold.Inputs<T>(
                    useBatchStatistics, shifts, shiftedSums[..shifts.Length], shiftedSums.Slice(shifts.Length, shifts.Length), masked ? 1 : layout.ReductionCount, options, weights),
                destinations,
                scale,
                offset,
                new ColumnParts<T>(x, rows, columnParts));
            if (columnParts > 1)
            {
                return;
            }

            FastKernels.RepeatChannels(parameters.AsSpan(0, padded), channels);
            FastKernels.RepeatChannels(parameters.AsSpan(padded, padded), channels);

            // Few wide rows (axis=[1, 2, 3]) are written whole, one long run each, rather than in blocks of columns.
            int columnsPerChunk = rows.RowsShareChannels && !WideColumns.Fits(rows) ? FastTuning.ColumnsPerChunk : 0;
            var tiling = new Tiling(rows.RowCount, rows.RowLength, FastNormalizeJob<T>.RowGranularity(rows), columnsPerChunk, FastTuning.MaximumElementwiseRowChunks);
            fixed (T* pX = x)
            fixed (T* pScale = scale)
            fixed (T* pOffset = offset)
            fixed (T* pY = destinations.Y)
            {
                bool streaming = StreamingStores.PaysFor(x.Length, sizeof(T), FastNormalizeJob<T>.RunLength(rows, tiling));
                ChunkScheduler.Run(new FastNormalizeJob<T>(pX, pScale, pOffset, pY, rows, tiling, streaming), tiling.Count, Threads);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(parameters);
            ArrayPool<double>.Shared.Return(sums);
        }
    }

    /// <summary>
    /// The per-channel step of a forward call (<see cref="ChannelFold"/>) into <paramref name="scale"/> and
    /// <paramref name="offset"/> and the per-channel destinations, in chunks of channels
    /// (<see cref="ChannelFoldJob{T}"/>; one chunk for every layer measured); or, with more than one of
    /// <paramref name="parts"/>, in column parts each of which then writes its columns of y
    /// (<see cref="WideInferenceJob{T}"/>).
    /// </summary>
    private void FoldChannels<T>(in ChannelFold.Inputs<T> inputs, ForwardDestinations<T> destinations, Span<T> scale, Span<T> offset, ColumnParts<T> parts)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        BatchNormWeights<T> weights = inputs.Weights;
        fixed (double* pShifts = inputs.Shifts)
        fixed (double* pSums = inputs.Sums)
        fixed (double* pSquares = inputs.Squares)
        fixed (T* pGamma = weights.Gamma)
        fixed (T* pBeta = weights.Beta)
        fixed (T* pMovingMean = weights.MovingMean)
        fixed (T* pMovingVariance = weights.MovingVariance)
        fixed (T* pNewMovingMean = destinations.MovingMean)
        fixed (T* pNewMovingVariance = destinations.MovingVariance)
        fixed (T* pMean = destinations.Mean)
        fixed (T* pVariance = destinations.Variance)
        fixed (T* pScale = scale)
        fixed (T* pOffset = offset)
        fixed (T* pX = parts.X)
        fixed (T* pY = destinations.Y)
        {
            var job = new ChannelFoldJob<T>(
                inputs.UseBatchStatistics,
                pShifts,
                pSums,
                pSquares,
                inputs.Count,
                inputs.Options,
                Pin(weights, pGamma, pBeta, pMovingMean, pMovingVariance),
                new(pNewMovingMean, destinations.MovingMean.Length),
                new(pNewMovingVariance, destinations.MovingVariance.Length),
                new(pMean, destinations.Mean.Length),
                new(pVariance, destinations.Variance.Length),
                pScale,
                pOffset,
                scale.Length);
            if (parts.Count > 1)
            {
                bool streaming = StreamingStores.PaysFor(parts.X.Length, sizeof(T), parts.Rows.RowLength / parts.Count);
                ChunkScheduler.Run(new WideInferenceJob<T>(job, pX, pY, pScale, pOffset, parts.Rows, parts.Count, streaming), parts.Count, Threads);
            }
            else
            {
                ChunkScheduler.Run(job, ChannelFoldJob<T>.Chunks(scale.Length), Threads);
            }
        }
    }

    /// <inheritdoc/>
    public void Backward<T>(
        AxisResolution layout,
        BatchNormOptions options,
        bool training,
        ReadOnlySpan<T> x,
        ReadOnlySpan<T> dy,
        BatchNormWeights<T> weights,
        BackwardDestinations<T> destinations)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        BatchNormArguments.ValidateBackward(layout, options, x, dy, weights, destinations);
        if (options.Renorm is not null)
        {
            BackwardWithRenorm(layout, options, training, x, dy, weights, destinations);
            return;
        }

        if (IsComputeType<T>())
        {
            BackwardInTwoPasses(layout, options, training, x, dy, weights, destinations);
        }
        else if (typeof(T) == typeof(Half))
        {
            HalfInFloat32.Backward(
                this,
                layout,
                options,
                training,
                MemoryMarshal.Cast<T, Half>(x),
                MemoryMarshal.Cast<T, Half>(dy),
                Cast<T, Half>(weights),
                new BackwardDestinations<Half>(MemoryMarshal.Cast<T, Half>(destinations.Dx), MemoryMarshal.Cast<T, Half>(destinations.Dgamma), MemoryMarshal.Cast<T, Half>(destinations.Dbeta)));
        }
        else
        {
            ScalarBatchNorm.Instance.Backward(layout, options, training, x, dy, weights, destinations);
        }
    }

    /// <summary>float and double have kernels; Half is computed through float (<see cref="HalfInFloat32"/>).</summary>
    private static bool IsComputeType<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(double);

    private static BatchNormWeights<TTo> Cast<TFrom, TTo>(BatchNormWeights<TFrom> weights)
        where TFrom : struct
        where TTo : struct =>
        new(MemoryMarshal.Cast<TFrom, TTo>(weights.Gamma), MemoryMarshal.Cast<TFrom, TTo>(weights.Beta), MemoryMarshal.Cast<TFrom, TTo>(weights.MovingMean), MemoryMarshal.Cast<TFrom, TTo>(weights.MovingVariance));

    private static ForwardDestinations<TTo> Cast<TFrom, TTo>(ForwardDestinations<TFrom> destinations)
        where TFrom : struct
        where TTo : struct =>
        new(MemoryMarshal.Cast<TFrom, TTo>(destinations.Y), MemoryMarshal.Cast<TFrom, TTo>(destinations.MovingMean), MemoryMarshal.Cast<TFrom, TTo>(destinations.MovingVariance), MemoryMarshal.Cast<TFrom, TTo>(destinations.Mean), MemoryMarshal.Cast<TFrom, TTo>(destinations.Variance));

    private static BackwardDestinations<TTo> Cast<TFrom, TTo>(BackwardDestinations<TFrom> destinations)
        where TFrom : struct
        where TTo : struct =>
        new(MemoryMarshal.Cast<TFrom, TTo>(destinations.Dx), MemoryMarshal.Cast<TFrom, TTo>(destinations.Dgamma), MemoryMarshal.Cast<TFrom, TTo>(destinations.Dbeta));
}
