using System.Globalization;

namespace BatchNormAxis;

/// <summary>
/// Formats shapes and axis lists the way Python prints them, so messages read the same as the Keras
/// errors users search for: <c>(8, 32, 32, 3)</c>, <c>(5,)</c>, <c>()</c>, <c>[1, 2, 3]</c>.
/// </summary>
/// <remarks>
/// A list longer than <see cref="AxisResolution.MaxRank"/> cannot be a valid shape or axis list, only a hostile one,
/// so it is abbreviated to its first <see cref="ShownWhenAbbreviated"/> entries and its length,
/// <c>(1, 1, 1, 1, 1, 1, 1, 1, ... 2000000 in all)</c>: a message stays one short line.
/// </remarks>
public static class ShapeText
{
    /// <summary>Formats a shape as a Python tuple: <c>(2, 3)</c>; rank 1 as <c>(5,)</c>; rank 0 as <c>()</c>.</summary>
    /// <param name="shape">The dimensions.</param>
    /// <returns>The tuple text.</returns>
    public static string Tuple(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 1)
        {
            return "(" + shape[0].ToString(CultureInfo.InvariantCulture) + ",)";
        }

        return "(" + Join(shape) + ")";
    }

    /// <summary>Formats a list of axes as a Python list: <c>[0, 2]</c>.</summary>
    /// <param name="axes">The axes.</param>
    /// <returns>The list text.</returns>
    public static string List(ReadOnlySpan<int> axes) => "[" + Join(axes) + "]";

    /// <summary>Entries shown of a list longer than <see cref="AxisResolution.MaxRank"/>.</summary>
    public const int ShownWhenAbbreviated = 8;

    private static string Join(ReadOnlySpan<int> values)
    {
        bool abbreviated = values.Length > AxisResolution.MaxRank;
        var parts = new string[abbreviated ? ShownWhenAbbreviated + 1 : values.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = abbreviated && i == ShownWhenAbbreviated
                ? $"... {values.Length.ToString(CultureInfo.InvariantCulture)} in all"
                : values[i].ToString(CultureInfo.InvariantCulture);
        }

        return string.Join(", ", parts);
    }
}
