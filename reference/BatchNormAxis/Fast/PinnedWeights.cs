namespace BatchNormAxis;

/// <summary>The per-channel arrays of a call, pinned, for chunks to slice (see <see cref="PinnedChannels{T}"/>).</summary>
internal readonly record struct PinnedWeights<T>(
    PinnedChannels<T> Gamma, PinnedChannels<T> Beta, PinnedChannels<T> MovingMean, PinnedChannels<T> MovingVariance)
    where T : unmanaged
{
    public BatchNormWeights<T> Slice(int first, int count) =>
        new(Gamma.Slice(first, count), Beta.Slice(first, count), MovingMean.Slice(first, count), MovingVariance.Slice(first, count));
}
