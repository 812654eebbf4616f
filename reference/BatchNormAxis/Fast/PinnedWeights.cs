namespace BatchNormAxis;

/// <summary>The per-channel arrays of a call, pinned, for chunks to slice (see <see cref="PinnedChannels{T}"/>).</summary>
internal readonly record struct PinnedWeights(
    PinnedChannels<float> Gamma, PinnedChannels<float> Beta, PinnedChannels<float> MovingMean, PinnedChannels<float> MovingVariance)
{
    public BatchNormWeights<float> Slice(int first, int count) =>
        new(Gamma.Slice(first, count), Beta.Slice(first, count), MovingMean.Slice(first, count), MovingVariance.Slice(first, count));
}
