using System.Xml.Linq;

namespace BatchNormAxis.DocsSite.Tests;

public class AxisDiagramTests
{
    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";

    [Theory]
    [InlineData("(32,56,56,64)", "-1", new[] { 32, 56, 56, 64 }, new[] { -1 }, false)]
    [InlineData("32, 64, 56, 56", "1", new[] { 32, 64, 56, 56 }, new[] { 1 }, false)]
    [InlineData("[8, 32, 32, 3]", "[1,2,3]", new[] { 8, 32, 32, 3 }, new[] { 1, 2, 3 }, true)]
    [InlineData("2,3,4,5,6", "-1,-4", new[] { 2, 3, 4, 5, 6 }, new[] { -1, -4 }, true)]
    [InlineData("(7,)", "0", new[] { 7 }, new[] { 0 }, false)]
    public void Svg_MarksEveryAxisKeptOrReducedAsTheLibraryResolvesIt(string shapeText, string axisText, int[] shape, int[] axes, bool isList)
    {
        AxisResolution expected = AxisResolution.Resolve(shape, isList ? AxisSpec.List(axes) : AxisSpec.Of(axes[0]));

        AxisDiagramSpec spec = AxisDiagramSpec.Parse($"shape: {shapeText}\naxis: {axisText}\n");
        XDocument svg = XDocument.Parse(AxisDiagramSvg.Render(spec));

        XElement[] boxes = [.. svg.Descendants(s_svg + "g").Where(g => ((string?)g.Attribute("class"))?.StartsWith("axis ", StringComparison.Ordinal) == true)];
        Assert.Equal(shape.Length, boxes.Length);
        for (int axis = 0; axis < shape.Length; axis++)
        {
            bool kept = expected.KeptAxes.Contains(axis);
            Assert.Equal(axis, (int)boxes[axis].Attribute("data-axis")!);
            Assert.Equal(shape[axis], (int)boxes[axis].Attribute("data-size")!);
            Assert.Equal(kept ? "axis kept" : "axis reduced", (string)boxes[axis].Attribute("class")!);
            // The role is written, not only coloured.
            Assert.Contains(kept ? "KEPT" : "REDUCED", boxes[axis].Elements(s_svg + "text").Select(t => t.Value));
        }

        string text = string.Join("\n", svg.Descendants(s_svg + "text").Select(t => t.Value));
        Assert.Contains($"parameter (statistics) shape: {ShapeText.Tuple(expected.ParameterShape.AsSpan())}", text, StringComparison.Ordinal);
        Assert.Contains($"broadcast shape: {ShapeText.Tuple(expected.BroadcastShape.AsSpan())}", text, StringComparison.Ordinal);
        Assert.Contains($"axis={expected.Axis}", text, StringComparison.Ordinal);
        Assert.Contains("kept:", text, StringComparison.Ordinal);
        Assert.Contains("reduced:", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Svg_LabelsAxesWithTheirNamesAndTheAltTextSaysWhatIsKept()
    {
        AxisDiagramSpec spec = AxisDiagramSpec.Parse("shape: (32,56,56,64)\naxis: -1\nnames: N,H,W,C\ncaption: NHWC\n");
        XDocument svg = XDocument.Parse(AxisDiagramSvg.Render(spec));

        Assert.Equal(["N", "H", "W", "C"], svg.Descendants(s_svg + "g").Where(g => g.Attribute("data-axis") is not null).Select(g => g.Elements(s_svg + "text").First().Value));
        Assert.Equal("NHWC", spec.Caption);
        string alt = AxisDiagramSvg.AltText(spec);
        Assert.Contains("keeps axis 3 C (size 64)", alt, StringComparison.Ordinal);
        Assert.Contains("reduces axis 0 N (size 32), axis 1 H (size 56), axis 2 W (size 56)", alt, StringComparison.Ordinal);
        Assert.Equal(alt, svg.Root!.Element(s_svg + "title")!.Value);
    }

    [Theory]
    [InlineData(new[] { 2, 3, 4, 5 }, "4")]
    [InlineData(new[] { 2, 3, 4, 5 }, "1,-3")]
    [InlineData(new[] { 2, 3 }, "[]")]
    [InlineData(new int[0], "-1")]
    public void Parse_InvalidAxis_FailsWithTheLibrarysMessage(int[] shape, string axisText)
    {
        AxisSpec axis = axisText switch
        {
            "4" => AxisSpec.Of(4),
            "-1" => AxisSpec.Of(-1),
            "1,-3" => AxisSpec.List(1, -3),
            _ => AxisSpec.List(),
        };
        string libraryMessage = Assert.Throws<BatchNormArgumentException>(() => AxisResolution.Resolve(shape, axis)).Message;

        var error = Assert.Throws<DocsSiteException>(() => AxisDiagramSpec.Parse($"shape: ({string.Join(",", shape)})\naxis: {axisText}"));

        Assert.Equal(libraryMessage, error.Message);
    }

    [Theory]
    [InlineData("axis: -1", "no 'shape:' line")]
    [InlineData("shape: 2,3", "no 'axis:' line")]
    [InlineData("shape: 2,3\naxis: 0\nshape: 4", "'shape:' is given twice")]
    [InlineData("shape: 2,3\naxis: 0\ncolour: red", "line 'colour: red' is not 'key: value'")]
    [InlineData("shape: 2,3\naxis: 0\nnames: N,C,W", "names: 'N,C,W' has 3 entries for input shape (2, 3): expected 2 non-empty names")]
    [InlineData("shape: 2,x\naxis: 0", "--shape '2,x' has 'x', which is not a whole number")]
    public void Parse_MalformedSpec_SaysWhatIsWrong(string body, string message)
    {
        var error = Assert.Throws<DocsSiteException>(() => AxisDiagramSpec.Parse(body));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
