using System.Text.RegularExpressions;

namespace BatchNormAxis.Tests;

/// <summary>
/// The out-of-range message names the offending value once (it said "3 resolves to 3"): an integer axis only in
/// <c>axis=3</c>, an entry of a list once more, to say which entry. Shape and allowed range are not counted.
/// </summary>
public partial class AxisOutOfRangeMessageTests
{
    public static TheoryData<int[], int[], bool> Cases()
    {
        TheoryData<int[], int[], bool> cases = [];
        for (int rank = 1; rank <= 4; rank++)
        {
            int[] shape = [.. Enumerable.Range(2, rank)];
            foreach (int given in new[] { rank, rank + 1, rank + 7, -rank - 1, -rank - 5 })
            {
                cases.Add(shape, [given], false);
                cases.Add(shape, [0, given], true);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Message_NamesTheValueOnce(int[] shape, int[] values, bool isList)
    {
        AxisSpec axis = isList ? AxisSpec.List(values) : AxisSpec.Of(values[0]);
        var error = Assert.Throws<BatchNormArgumentException>(() => AxisResolution.Resolve(shape, axis));
        Assert.Equal(BatchNormErrorCategory.AxisOutOfRange, error.Category);

        string shapeText = ShapeText.Tuple(shape);
        string range = $"[{-shape.Length}, {shape.Length - 1}]";
        Assert.Contains($"input shape {shapeText}", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"expected an axis in {range}", error.Message, StringComparison.Ordinal);
        string rest = error.Message.Replace(shapeText, "", StringComparison.Ordinal).Replace(range, "", StringComparison.Ordinal);
        int given = values[^1];
        int mentions = Integers().Matches(rest).Count(m => m.Value == given.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(isList ? 2 : 1, mentions);
        Assert.DoesNotContain("resolves to", error.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"-?\d+")]
    private static partial Regex Integers();
}
