namespace BatchNormAxis.DocsSite;

/// <summary>A rendered <c>axis-diagram</c> block: the SVG file (relative to the site) and its text equivalents.</summary>
internal sealed record DiagramFigure(string RelativePath, string Svg, string AltText, string? Caption);
