using BatchNormAxis.Explain;

namespace BatchNormAxis.DocsSite;

/// <summary>
/// The body of an <c>axis-diagram</c> code block: <c>shape:</c> and <c>axis:</c> in any spelling <c>bnaxis explain</c>
/// accepts, an optional <c>caption:</c> and optional <c>names:</c> (one per axis, e.g. <c>N,H,W,C</c>).
/// </summary>
internal sealed record AxisDiagramSpec(AxisResolution Resolution, string? Caption, IReadOnlyList<string>? Names)
{
    private static readonly string[] s_keys = ["shape", "axis", "caption", "names"];

    /// <summary>Parses and resolves a block body; any problem is one line, the library's own message for a bad shape or axis.</summary>
    public static AxisDiagramSpec Parse(string body)
    {
        Dictionary<string, string> values = new(StringComparer.Ordinal);
        foreach (string rawLine in body.Split('\n'))
        {
            string line = rawLine.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            string key = colon < 0 ? line : line[..colon].Trim();
            if (colon < 0 || !s_keys.Contains(key))
            {
                throw new DocsSiteException($"line '{line}' is not 'key: value' with a key among {string.Join(", ", s_keys)}");
            }

            if (!values.TryAdd(key, line[(colon + 1)..].Trim()))
            {
                throw new DocsSiteException($"'{key}:' is given twice: expected each key at most once");
            }
        }

        if (!values.TryGetValue("shape", out string? shapeText))
        {
            throw new DocsSiteException("no 'shape:' line: expected e.g. 'shape: (32,56,56,64)'");
        }

        if (!values.TryGetValue("axis", out string? axisText))
        {
            throw new DocsSiteException("no 'axis:' line: expected e.g. 'axis: -1' (the Keras default must be written out in a diagram)");
        }

        AxisResolution resolution;
        try
        {
            resolution = AxisResolution.Resolve(CommandLineValues.ParseShape(shapeText), CommandLineValues.ParseAxis(axisText));
        }
        catch (Exception exception) when (exception is BatchNormArgumentException or CommandLineValueException)
        {
            throw new DocsSiteException(exception.Message);
        }

        string[]? names = null;
        if (values.TryGetValue("names", out string? namesText))
        {
            names = [.. namesText.Trim('(', ')', '[', ']').Split(',').Select(n => n.Trim())];
            if (names.Length != resolution.Rank || names.Any(n => n.Length == 0))
            {
                throw new DocsSiteException(
                    $"names: '{namesText}' has {names.Length} entries for input shape {ShapeText.Tuple(resolution.Shape.AsSpan())}: expected {resolution.Rank} non-empty names, one per axis");
            }
        }

        string? caption = values.TryGetValue("caption", out string? captionText) && captionText.Length > 0 ? captionText : null;
        return new AxisDiagramSpec(resolution, caption, names);
    }
}
