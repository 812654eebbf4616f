using System.Collections.Immutable;
using System.Globalization;
using System.Xml.Linq;

namespace BatchNormAxis.DocsSite;

/// <summary>
/// Draws an <see cref="AxisDiagramSpec"/> as a self-contained SVG: one box per axis, kept axes solid blue, reduced
/// axes hatched orange (Okabe-Ito colours, safe for colour-blind readers, and each box also says "kept" or
/// "reduced" in text), a legend, and the parameter and broadcast shapes below.
/// </summary>
internal static class AxisDiagramSvg
{
    // Okabe-Ito blue and orange; the reduced boxes also carry a hatch so the two differ without colour.
    private const string KeptColour = "#0072B2";
    private const string ReducedColour = "#E69F00";
    private const int BoxWidth = 104;
    private const int BoxHeight = 76;
    private const int Gap = 12;
    private const int Margin = 16;
    private const int LineHeight = 22;
    private const int LegendWidth = 640;
    // Wide enough for a 14px monospace glyph, so no text is cut at the right edge.
    private const double CharWidth = 8.6;

    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";

    /// <summary>The SVG document text.</summary>
    public static string Render(AxisDiagramSpec spec)
    {
        AxisResolution resolution = spec.Resolution;
        string title = $"BatchNormalization(axis={resolution.Axis}) on input shape {Tuple(resolution.Shape)}";
        string[] notes =
        [
            $"parameter (statistics) shape: {Tuple(resolution.ParameterShape)}; Keras weights: {Tuple(resolution.KerasWeightShape)}",
            $"broadcast shape: {Tuple(resolution.BroadcastShape)}",
            $"{Count(resolution.ChannelCount, "channel")}, each averaged over {Count(resolution.ReductionCount, "element")}",
            $"np.mean(x, axis={Tuple(resolution.ReductionAxes)}, keepdims=True)",
        ];

        int boxesWidth = (resolution.Rank * BoxWidth) + ((resolution.Rank - 1) * Gap);
        int textWidth = (int)Math.Ceiling(new[] { title }.Concat(notes).Max(t => t.Length) * CharWidth);
        int width = (2 * Margin) + Math.Max(Math.Max(boxesWidth, textWidth), LegendWidth);
        int boxTop = Margin + LineHeight + 34;
        int notesTop = boxTop + BoxHeight + 52;
        int height = notesTop + (notes.Length * LineHeight) + Margin - 6;

        XElement svg = new(
            s_svg + "svg",
            new XAttribute("width", width),
            new XAttribute("height", height),
            new XAttribute("viewBox", $"0 0 {width} {height}"),
            new XAttribute("role", "img"),
            new XAttribute("font-family", "system-ui, -apple-system, 'Segoe UI', sans-serif"),
            new XAttribute("font-size", 14),
            new XElement(s_svg + "title", AltText(spec)),
            Definitions(),
            new XElement(s_svg + "rect", new XAttribute("width", width), new XAttribute("height", height), new XAttribute("fill", "#ffffff")),
            Text(Margin, Margin + 14, title, "title", bold: true),
            Legend(Margin, Margin + LineHeight + 8));

        for (int axis = 0; axis < resolution.Rank; axis++)
        {
            svg.Add(AxisBox(spec, axis, Margin + (axis * (BoxWidth + Gap)), boxTop));
        }

        for (int i = 0; i < notes.Length; i++)
        {
            svg.Add(Text(Margin, notesTop + (i * LineHeight), notes[i], $"note note-{i + 1}", monospace: i is 1 or 3));
        }

        return new XDocument(svg).ToString() + "\n";
    }

    /// <summary>What the picture says, for the <c>alt</c> attribute and the SVG's title.</summary>
    public static string AltText(AxisDiagramSpec spec)
    {
        AxisResolution resolution = spec.Resolution;
        string Describe(ImmutableArray<int> axes) => string.Join(", ", axes.Select(a => spec.Names is null
            ? $"axis {a} (size {resolution.Shape[a]})"
            : $"axis {a} {spec.Names[a]} (size {resolution.Shape[a]})"));
        string reduced = resolution.ReductionAxes.IsEmpty ? "reduces no axis" : $"reduces {Describe(resolution.ReductionAxes)}";
        return $"Axis diagram: BatchNormalization(axis={resolution.Axis}) on input shape {Tuple(resolution.Shape)} keeps {Describe(resolution.KeptAxes)} and {reduced}; "
            + $"parameter shape {Tuple(resolution.ParameterShape)}, broadcast shape {Tuple(resolution.BroadcastShape)}.";
    }

    private static XElement Definitions() => new(
        s_svg + "defs",
        new XElement(
            s_svg + "pattern",
            new XAttribute("id", "reduced-hatch"),
            new XAttribute("patternUnits", "userSpaceOnUse"),
            new XAttribute("width", 10),
            new XAttribute("height", 10),
            new XAttribute("patternTransform", "rotate(45)"),
            new XElement(s_svg + "rect", new XAttribute("width", 10), new XAttribute("height", 10), new XAttribute("fill", ReducedColour)),
            new XElement(s_svg + "rect", new XAttribute("width", 4), new XAttribute("height", 10), new XAttribute("fill", "#ffffff"), new XAttribute("fill-opacity", "0.45"))));

    private static XElement Legend(int x, int y) => new(
        s_svg + "g",
        new XAttribute("class", "legend"),
        Swatch(x, y, kept: true),
        Text(x + 24, y + 13, "kept: one mean and variance per position", "legend-kept"),
        Swatch(x + 330, y, kept: false),
        Text(x + 354, y + 13, "reduced: statistics are taken over it", "legend-reduced"));

    private static XElement Swatch(int x, int y, bool kept) => new(
        s_svg + "rect",
        new XAttribute("x", x),
        new XAttribute("y", y),
        new XAttribute("width", 18),
        new XAttribute("height", 18),
        new XAttribute("rx", 3),
        new XAttribute("fill", kept ? KeptColour : "url(#reduced-hatch)"),
        new XAttribute("stroke", "#333333"));

    private static XElement AxisBox(AxisDiagramSpec spec, int axis, int x, int y)
    {
        AxisResolution resolution = spec.Resolution;
        bool kept = resolution.KeptAxes.Contains(axis);
        string role = kept ? "kept" : "reduced";
        string ink = kept ? "#ffffff" : "#000000";
        string name = spec.Names?[axis] ?? $"axis {axis}";
        int centre = x + (BoxWidth / 2);

        XElement group = new(
            s_svg + "g",
            new XAttribute("class", $"axis {role}"),
            new XAttribute("data-axis", axis),
            new XAttribute("data-size", resolution.Shape[axis]),
            new XElement(
                s_svg + "rect",
                new XAttribute("x", x),
                new XAttribute("y", y),
                new XAttribute("width", BoxWidth),
                new XAttribute("height", BoxHeight),
                new XAttribute("rx", 6),
                new XAttribute("fill", kept ? KeptColour : "url(#reduced-hatch)"),
                new XAttribute("stroke", "#333333"),
                new XAttribute("stroke-width", kept ? 3 : 1.5),
                kept ? null : new XAttribute("stroke-dasharray", "6 3")),
            Centred(centre, y + 24, name, ink, 16, bold: true),
            Centred(centre, y + 46, resolution.Shape[axis].ToString(CultureInfo.InvariantCulture), ink, 16, bold: false),
            Centred(centre, y + 66, spec.Names is null ? "" : $"axis {axis}", ink, 12, bold: false),
            Centred(centre, y + BoxHeight + 20, role.ToUpperInvariant(), "#222222", 12, bold: true));
        return group;
    }

    private static XElement Centred(int x, int y, string text, string fill, int size, bool bold) => new(
        s_svg + "text",
        new XAttribute("x", x),
        new XAttribute("y", y),
        new XAttribute("text-anchor", "middle"),
        new XAttribute("fill", fill),
        new XAttribute("font-size", size),
        bold ? new XAttribute("font-weight", "bold") : null,
        text);

    private static XElement Text(int x, int y, string text, string cssClass, bool bold = false, bool monospace = false) => new(
        s_svg + "text",
        new XAttribute("x", x),
        new XAttribute("y", y),
        new XAttribute("class", cssClass),
        new XAttribute("fill", "#111111"),
        bold ? new XAttribute("font-weight", "bold") : null,
        monospace ? new XAttribute("font-family", "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace") : null,
        text);

    private static string Count(int count, string noun) =>
        $"{count.ToString(CultureInfo.InvariantCulture)} {noun}{(count == 1 ? "" : "s")}";

    private static string Tuple(ImmutableArray<int> values) => ShapeText.Tuple(values.AsSpan());
}
