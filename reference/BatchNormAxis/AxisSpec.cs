using System.Collections.Immutable;
using System.Globalization;

namespace BatchNormAxis;

/// <summary>
/// The <c>axis</c> argument of <c>BatchNormalization</c> exactly as the user spelled it: one integer
/// (Keras 3, tf.keras and every other Keras) or a list of integers (tf.keras 2 only). Negative entries
/// count from the end. The spelling names the axes that are <em>kept</em>; statistics are taken over all
/// the others. Resolve it against a shape with <see cref="AxisResolution.Resolve(ReadOnlySpan{int}, AxisSpec)"/>.
/// </summary>
/// <remarks>
/// <para>Keras 3 stores <c>int(axis)</c>, so a list raises <c>TypeError</c> there; tf.keras 2 accepts a list and
/// keeps every axis in it (for example <c>axis=[1, 2, 3]</c> on NHWC reduces only the batch axis). An integer
/// <c>k</c> and the one-element list <c>[k]</c> compute the same thing; they differ only in spelling.</para>
/// </remarks>
public sealed class AxisSpec : IEquatable<AxisSpec>
{
    private AxisSpec(bool isList, ImmutableArray<int> values)
    {
        IsList = isList;
        Values = values;
    }

    /// <summary>The Keras default, <c>axis=-1</c>: keep the last axis (channels-last).</summary>
    public static AxisSpec Default { get; } = new(isList: false, [-1]);

    /// <summary><see langword="true"/> for the tf.keras list spelling (<c>[1, 2]</c>), <see langword="false"/> for one integer.</summary>
    public bool IsList { get; }

    /// <summary>The axes as given, before negative indices are resolved. One element unless <see cref="IsList"/>.</summary>
    public ImmutableArray<int> Values { get; }

    /// <summary>The integer spelling, <c>axis=k</c>, accepted by every Keras version.</summary>
    /// <param name="axis">The kept axis; negative counts from the end.</param>
    /// <returns>The spelling.</returns>
    public static AxisSpec Of(int axis) => new(isList: false, [axis]);

    /// <summary>The tf.keras list spelling, <c>axis=[a, b, ...]</c>. An empty list is allowed here and rejected on resolution.</summary>
    /// <param name="axes">The kept axes in the order given; negative entries count from the end.</param>
    /// <returns>The spelling.</returns>
    public static AxisSpec List(params ReadOnlySpan<int> axes) => new(isList: true, [.. axes]);

    /// <summary>Formats the spelling as Python would print it: <c>-1</c> or <c>[1, 2, 3]</c>.</summary>
    /// <returns>The spelling.</returns>
    public override string ToString() =>
        IsList ? ShapeText.List(Values.AsSpan()) : Values[0].ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public bool Equals(AxisSpec? other) =>
        other is not null && IsList == other.IsList && Values.AsSpan().SequenceEqual(other.Values.AsSpan());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as AxisSpec);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(IsList);
        foreach (int value in Values)
        {
            hash.Add(value);
        }

        return hash.ToHashCode();
    }
}
