using System.Collections.Immutable;

namespace BatchNormAxis;

/// <summary>
/// How to feed a Keras <c>axis</c> to an API whose channels are always dimension 1 (PyTorch <c>BatchNorm1d</c>,
/// ONNX <c>BatchNormalization</c>): permute the input so the kept axes follow the first reduced axis, then
/// reshape to <c>(R0, C, R)</c>, where <c>C</c> flattens the kept axes and <c>R</c> the other reduced axes.
/// </summary>
/// <remarks>
/// <para>Flattening keeps the statistics unchanged: the channel of an element is the row-major position of its
/// kept coordinates (<see cref="AxisResolution.ChannelOfEachElement"/>), and a row-major reshape of the
/// contiguous kept axes preserves exactly that order. Undo it with a reshape to <see cref="PermutedShape"/> and
/// <see cref="InversePermutation"/>.</para>
/// <para>When nothing is reduced the result is <c>(1, C)</c>: a batch of one, as a channel-dim-1 API needs a batch
/// dimension. When only one axis is reduced the result is <c>(R0, C)</c>, <c>BatchNorm1d</c>'s two-dimensional form.</para>
/// </remarks>
public sealed class ChannelFirstLayout
{
    private ChannelFirstLayout(ImmutableArray<int> permutation, ImmutableArray<int> permutedShape, ImmutableArray<int> shape)
    {
        Permutation = permutation;
        PermutedShape = permutedShape;
        Shape = shape;
        InversePermutation = [.. Enumerable.Range(0, permutation.Length).Select(a => permutation.IndexOf(a))];
    }

    /// <summary>The order of the input axes after the permutation: the first reduced axis, the kept axes, the other reduced axes.</summary>
    public ImmutableArray<int> Permutation { get; }

    /// <summary>The permutation that restores the original axis order: <c>InversePermutation[a]</c> is where axis <c>a</c> went.</summary>
    public ImmutableArray<int> InversePermutation { get; }

    /// <summary><see langword="true"/> when the axes are already in order and only a reshape is needed.</summary>
    public bool IsIdentity => Permutation.SequenceEqual(Enumerable.Range(0, Permutation.Length));

    /// <summary>The input shape after the permutation, before flattening.</summary>
    public ImmutableArray<int> PermutedShape { get; }

    /// <summary>The channel-dim-1 shape: <c>(R0, C, R)</c>, <c>(R0, C)</c> with one reduced axis, <c>(1, C)</c> with none.</summary>
    public ImmutableArray<int> Shape { get; }

    /// <summary>Derives the permutation and reshape from a resolved axis.</summary>
    /// <param name="resolution">The resolved axis.</param>
    /// <returns>The layout.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="resolution"/> is null.</exception>
    public static ChannelFirstLayout For(AxisResolution resolution)
    {
        ArgumentNullException.ThrowIfNull(resolution);
        ImmutableArray<int> reduced = resolution.ReductionAxes;
        ImmutableArray<int> permutation = reduced.IsEmpty
            ? resolution.KeptAxes
            : [reduced[0], .. resolution.KeptAxes, .. reduced.Skip(1)];
        ImmutableArray<int> permutedShape = [.. permutation.Select(a => resolution.Shape[a])];

        ImmutableArray<int> shape = reduced.IsEmpty
            ? [1, resolution.ChannelCount]
            : reduced.Length == 1
                ? [resolution.Shape[reduced[0]], resolution.ChannelCount]
                : [resolution.Shape[reduced[0]], resolution.ChannelCount, resolution.ReductionCount / resolution.Shape[reduced[0]]];
        return new ChannelFirstLayout(permutation, permutedShape, shape);
    }
}
