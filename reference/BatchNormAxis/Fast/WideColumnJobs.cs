using System.Runtime.CompilerServices;

namespace BatchNormAxis;

/// <summary>
/// A float32 training forward of a wide channels-last input, one block of columns per chunk (<see cref="WideColumns"/>):
/// shifted sums (of the kept positions only, with a mask), the per-channel fold, then y = x · scale + shift, all
/// while the block is in cache.
/// </summary>
internal readonly unsafe struct WideForwardJob(
    float* x,
    float* y,
    RowLayout rows,
    Tiling chunks,
    PinnedMask mask,
    BatchNormOptions options,
    PinnedWeights<float> weights,
    PinnedChannels<float> newMovingMean,
    PinnedChannels<float> newMovingVariance,
    PinnedChannels<float> mean,
    PinnedChannels<float> variance,
    bool streaming) : IChunkJob
{
    public void Run(int chunk)
    {
        (_, _, int first, int n) = chunks[chunk];
        using var doubles = new WideColumns.Scratch<double>(4 * n);
        using var floats = new WideColumns.Scratch<float>(2 * n);
        Span<double> shifts = doubles[0, n];
        Span<double> sums = doubles[1, n];
        Span<double> squares = doubles[2, n];
        double count = Statistics(chunk, shifts, sums, squares, doubles[3, n]);
        Span<float> scale = floats[0, n];
        Span<float> offset = floats[1, n];
        Step(first, shifts, sums, squares, count, scale, offset);
        WriteY(first, scale, offset);
    }

    // The phases of a chunk, each a method of its own that the JIT compiles apart from the others, as the wide
    // backward's (there, inlined into one method, their code moved the call by a tenth from one build to the next).

    /// <summary>
    /// The chunk's shifts and shifted sums (of the kept positions only, with a mask); returns the count the sums are
    /// over (1 with a mask, whose sums are replaced by the masked mean and variance).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private double Statistics(int chunk, Span<double> shifts, Span<double> sums, Span<double> squares, Span<double> counts)
    {
        (_, _, int first, int n) = chunks[chunk];
        if (mask.IsEmpty)
        {
            Conversions.Widen(new ReadOnlySpan<float>(x + first, n), shifts); // the shift is row 0, as the pass-by-pass path's
            WideColumns.SumShifted(x, rows, chunks, chunk, sums, squares);
            return rows.RowCount;
        }

        new ReadOnlySpan<double>(mask.Shifts + first, n).CopyTo(shifts);
        WideColumns.SumMasked(x, rows, chunks, chunk, mask, shifts, sums, squares, counts);
        ChannelFold.ReplaceWithMaskedStatistics(shifts, sums, squares, counts);
        return 1;
    }

    /// <summary>The per-channel step of the chunk's channels: scale, offset and the per-channel destinations.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Step(int first, Span<double> shifts, Span<double> sums, Span<double> squares, double count, Span<float> scale, Span<float> offset)
    {
        int n = scale.Length;
        var inputs = new ChannelFold.Inputs<float>(true, shifts, sums, squares, count, options, weights.Slice(first, n));
        var destinations = new ForwardDestinations<float>(
            default, newMovingMean.Slice(first, n), newMovingVariance.Slice(first, n), mean.Slice(first, n), variance.Slice(first, n));
        int folded = ChannelFold.Float(inputs, destinations, scale, offset);
        ChannelFold.Scalar(folded, inputs, destinations, scale, offset);
    }

    /// <summary>y = x · scale + shift over the chunk's rows.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteY(int first, ReadOnlySpan<float> scale, ReadOnlySpan<float> offset)
    {
        int width = rows.RowLength;
        int n = scale.Length;
        for (int r = 0; r < rows.RowCount; r++)
        {
            long start = ((long)r * width) + first;
            FastKernels.ScaleShiftRows(new ReadOnlySpan<float>(x + start, n), scale, offset, n, new Span<float>(y + start, n), streaming);
        }

        if (streaming)
        {
            StreamingStores.Fence();
        }
    }
}

/// <summary>
/// A training call's Keras 3 mask, pinned for chunks: one flag per <see cref="Segment"/> elements and each channel's
/// shift (its first kept value); flags null without a mask.
/// </summary>
internal readonly unsafe struct PinnedMask(bool* flags, int segment, double* shifts)
{
    public bool IsEmpty => flags == null;

    public bool* Flags => flags;

    public int Segment => segment;

    public double* Shifts => shifts;
}

/// <summary>
/// A float32 backward of a wide channels-last input, one block of columns per chunk (<see cref="WideColumns"/>):
/// the statistics of the call, Σ dy and Σ dy · (x - mean), the coefficients, then dx, all while the block is in cache.
/// </summary>
internal readonly unsafe struct WideBackwardJob(
    float* x,
    float* dy,
    float* dx,
    RowLayout rows,
    Tiling chunks,
    bool useBatchStatistics,
    BatchNormOptions options,
    PinnedWeights<float> weights,
    PinnedChannels<float> dgamma,
    PinnedChannels<float> dbeta,
    bool streaming) : IChunkJob
{
    public void Run(int chunk)
    {
        (_, _, int first, int n) = chunks[chunk];
        using var doubles = new WideColumns.Scratch<double>(7 * n);
        using var floats = new WideColumns.Scratch<float>(4 * n);
        Span<double> mean = doubles[0, n];
        Span<double> variance = doubles[1, n];
        Span<double> shifts = doubles[2, n];
        var sums = new FoldedSums(doubles[3, n], doubles[4, n], doubles[5, n], doubles[6, n]);
        BatchNormWeights<float> channelWeights = weights.Slice(first, n);
        Statistics(chunk, channelWeights, shifts, mean, variance);
        Span<float> roundedMean = floats[0, n];
        Conversions.Narrow(mean, roundedMean);
        GradientSums(chunk, roundedMean, sums);
        Span<float> a = floats[1, n];
        Span<float> b = floats[2, n];
        Span<float> c = floats[3, n];
        Coefficients(first, channelWeights, variance, sums, a, b, c);
        WriteDx(first, roundedMean, a, b, c);
        if (streaming)
        {
            StreamingStores.Fence();
        }
    }

    // The phases of a chunk, each a method of its own that the JIT compiles apart from the others: inlined into Run,
    // their loops shared one very large method whose code moved the call by a tenth from one build to the next.

    /// <summary>The chunk's mean and variance: of the batch (shifted sums, the shift row 0), or the moving ones.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Statistics(int chunk, BatchNormWeights<float> channelWeights, Span<double> shifts, Span<double> mean, Span<double> variance)
    {
        (_, _, int first, int n) = chunks[chunk];
        if (useBatchStatistics)
        {
            Conversions.Widen(new ReadOnlySpan<float>(x + first, n), shifts);
            WideColumns.SumShifted(x, rows, chunks, chunk, mean, variance);
            ChannelFold.StatisticsFromSums(shifts, mean, variance, rows.RowCount, mean, variance);
        }
        else
        {
            Conversions.Widen(channelWeights.MovingMean, mean);
            Conversions.Widen(channelWeights.MovingVariance, variance);
        }
    }

    /// <summary>Σ dy and Σ dy · (x - mean) of the chunk's channels.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GradientSums(int chunk, ReadOnlySpan<float> roundedMean, FoldedSums sums) =>
        WideColumns.SumGradients(x, dy, rows, chunks, chunk, roundedMean, sums);

    /// <summary>dx's coefficients, dgamma and dbeta of the chunk's channels.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Coefficients(int first, BatchNormWeights<float> channelWeights, Span<double> variance, FoldedSums sums, Span<float> a, Span<float> b, Span<float> c)
    {
        int n = a.Length;
        GradientCoefficients.Compute(
            variance, sums.SumDy, sums.SumDyShifted, channelWeights.Gamma, options, useBatchStatistics, rows.RowCount, a, b, c, dgamma.Slice(first, n), dbeta.Slice(first, n));
    }

    /// <summary>
    /// dx over the chunk's rows in pairs (<see cref="FastGradientKernels.GradientRowPairs{T}"/>), each vector of the four
    /// coefficients loaded once for two rows, the second row a little behind (measured 0.89 to 0.94 of the time of row
    /// by row on axis=[1, 2, 3], 1 and 2 threads; the lag then took 0.70 to 0.89 of the time of rows in step; not for
    /// training's y, where pairs in step made no difference).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteDx(int first, ReadOnlySpan<float> roundedMean, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c) =>
        FastGradientKernels.GradientRowPairs(x + first, dy + first, dx + first, rows.RowLength, rows.RowCount, roundedMean, a, b, c, streaming);
}
