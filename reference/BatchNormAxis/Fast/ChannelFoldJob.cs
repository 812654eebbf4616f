using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// The per-channel step of a forward call (<see cref="ChannelFold"/>) in chunks of
/// <see cref="FastTuning.FoldChannelsPerChunk"/> channels, which threads could share; the constant keeps every layer
/// measured in one chunk, on the calling thread (see there why). Each channel's outputs depend on that channel alone,
/// so the results are the same on every thread count.
/// </summary>
internal readonly unsafe struct ChannelFoldJob<T>(
    bool useBatchStatistics,
    double* shifts,
    double* sums,
    double* squares,
    double count,
    BatchNormOptions options,
    PinnedWeights<T> weights,
    PinnedChannels<T> newMovingMean,
    PinnedChannels<T> newMovingVariance,
    PinnedChannels<T> mean,
    PinnedChannels<T> variance,
    T* scale,
    T* offset,
    int channels) : IChunkJob
    where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    /// <summary>Chunks of a call with <paramref name="channels"/> channels.</summary>
    public static int Chunks(int channels) => (channels + FastTuning.FoldChannelsPerChunk - 1) / FastTuning.FoldChannelsPerChunk;

    public void Run(int chunk)
    {
        int first = chunk * FastTuning.FoldChannelsPerChunk;
        Fold(first, Math.Min(FastTuning.FoldChannelsPerChunk, channels - first));
    }

    /// <summary>The step for channels <paramref name="first"/> to <paramref name="first"/> + <paramref name="n"/>.</summary>
    public void Fold(int first, int n)
    {
        ReadOnlySpan<double> Part(double* values) => values == null ? default : new ReadOnlySpan<double>(values + first, n);
        var inputs = new ChannelFold.Inputs<T>(useBatchStatistics, Part(shifts), Part(sums), Part(squares), count, options, weights.Slice(first, n));
        var destinations = new ForwardDestinations<T>(default, newMovingMean.Slice(first, n), newMovingVariance.Slice(first, n), mean.Slice(first, n), variance.Slice(first, n));
        var chunkScale = new Span<T>(scale + first, n);
        var chunkOffset = new Span<T>(offset + first, n);
        int folded = typeof(T) == typeof(float)
            ? ChannelFold.Float(
                new ChannelFold.Inputs<float>(useBatchStatistics, inputs.Shifts, inputs.Sums, inputs.Squares, count, options, Cast<float>(inputs.Weights)),
                Cast<float>(destinations),
                MemoryMarshal.Cast<T, float>(chunkScale),
                MemoryMarshal.Cast<T, float>(chunkOffset))
            : ChannelFold.Double(
                new ChannelFold.Inputs<double>(useBatchStatistics, inputs.Shifts, inputs.Sums, inputs.Squares, count, options, Cast<double>(inputs.Weights)),
                Cast<double>(destinations),
                MemoryMarshal.Cast<T, double>(chunkScale),
                MemoryMarshal.Cast<T, double>(chunkOffset));
        ChannelFold.Scalar(folded, inputs, destinations, chunkScale, chunkOffset);
    }

    private static BatchNormWeights<TTo> Cast<TTo>(BatchNormWeights<T> weights)
        where TTo : struct =>
        new(MemoryMarshal.Cast<T, TTo>(weights.Gamma), MemoryMarshal.Cast<T, TTo>(weights.Beta), MemoryMarshal.Cast<T, TTo>(weights.MovingMean), MemoryMarshal.Cast<T, TTo>(weights.MovingVariance));

    private static ForwardDestinations<TTo> Cast<TTo>(ForwardDestinations<T> destinations)
        where TTo : struct =>
        new(default, MemoryMarshal.Cast<T, TTo>(destinations.MovingMean), MemoryMarshal.Cast<T, TTo>(destinations.MovingVariance), MemoryMarshal.Cast<T, TTo>(destinations.Mean), MemoryMarshal.Cast<T, TTo>(destinations.Variance));
}
