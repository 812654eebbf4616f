using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using BatchNormAxis.Explain;

namespace BatchNormAxis.DocsSite;

/// <summary>
/// The explorer's shared test vectors (<c>docs/assets/axis-test-vectors.json</c>): shape and axis text as a user types
/// it, and what <c>bnaxis explain</c> answers: its <c>--json</c> object and the code lines of its table output, or
/// its one-line error without the <c>bnaxis: </c> prefix. The browser test types every input into the explorer and
/// compares; a test in Cli.Tests runs the real command on every input, so the file cannot go stale unnoticed.
/// </summary>
internal static class AxisTestVectors
{
    public const string RelativePath = "assets/axis-test-vectors.json";

    /// <summary>Shape and axis spellings: every rank 1 to 6, the usual layouts, negative and list spellings, and every error.</summary>
    public static IReadOnlyList<(string Shape, string Axis)> Inputs { get; } =
    [
        // Rank 1 and 2: per-element statistics, dense layers.
        ("5", "-1"), ("(5,)", "[0]"), ("4,6", "0"), ("4,6", "-1"), ("4,6", "0,1"),
        // Rank 3 sequences (N, T, F) and (N, C, L).
        ("7,11,13", "-1"), ("7,11,13", "1"), ("7,11,13", "[0, 2]"),
        // Rank 4 images: NHWC, NCHW, keep all but the batch, list spellings of one axis, unsorted lists.
        ("8,32,32,3", "-1"), ("8,3,32,32", "1"), ("8,32,32,3", "1,2,3"), ("8,32,32,3", "[3]"),
        ("2,3,4,5", "[3, 1]"), ("2,3,4,5", "-1,-2"), ("2,3,4,5", "[1, -1]"), ("2,3,4,5", "0"), ("2,3,4,5", "-4"),
        ("(2, 3, 4, 5)", " 2 "), ("[3,4]", "(1)"), ("2,3", "+1"),
        // Rank 5 volumes, rank 6 with size-1 dimensions.
        ("2,3,4,5,6", "1"), ("2,4,4,4,3", "-1"), ("2,3,4,5,6", "[1, 4]"),
        ("2,3,1,5,1,7", "-1"), ("2,3,1,5,1,7", "[0, 2, 4]"), ("1,1,1", "0"),
        // The library's errors: out of range, duplicates however spelled, empty list, rank 0, zero and negative sizes, overflow.
        ("2,3,4,5", "4"), ("2,3,4,5", "-5"), ("2,3,4,5", "1,-3"), ("2,3,4,5", "[2, 2]"), ("2,3", "[]"),
        ("()", "-1"), ("( )", "0"), ("0,3", "-1"), ("2,-3", "0"), ("65536,65536", "-1"),
        // The command line's errors: not integers, empty entries, too large for 32 bits.
        ("2,3", "one"), ("2,3", "1.5"), ("2,x", "-1"), ("2,,3", "-1"), ("2,3", "[0,,1]"), ("2,3", "1,"),
        ("99999999999", "-1"), ("2,3", "99999999999"),
    ];

    /// <summary>The file's text, exactly as committed.</summary>
    public static string Generate()
    {
        JsonArray vectors = [];
        foreach ((string shape, string axis) in Inputs)
        {
            vectors.Add(Explain(shape, axis));
        }

        JsonObject file = new()
        {
            ["description"] = "Inputs typed into the axis explorer and what `bnaxis explain --shape S --axis A` answers (--json, the code lines of the table, or the error without 'bnaxis: '). Regenerate: dotnet run --project scripts/DocsSite -- --write-axis-vectors",
            ["vectors"] = vectors,
        };
        JsonSerializerOptions options = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        return file.ToJsonString(options) + "\n";
    }

    private static JsonObject Explain(string shapeText, string axisText)
    {
        JsonObject vector = new() { ["shape"] = shapeText, ["axis"] = axisText };
        try
        {
            AxisResolution resolution = AxisExplanation.Resolve(CommandLineValues.ParseShape(shapeText), CommandLineValues.ParseAxis(axisText));
            vector["expected"] = JsonNode.Parse(AxisExplanation.ToJson(resolution));
            vector["code"] = new JsonArray([.. CodeLines(AxisExplanation.ToText(resolution)).Select(line => (JsonNode)JsonValue.Create(line))]);
        }
        catch (Exception exception) when (exception is BatchNormArgumentException or CommandLineValueException)
        {
            vector["error"] = exception.Message;
        }

        return vector;
    }

    /// <summary>The indented lines after the reduce-style heading of <c>explain</c>'s table: np.mean, tf.nn.moments, the PyTorch permute and reshape.</summary>
    public static IEnumerable<string> CodeLines(string explainText) =>
        explainText.Split('\n')
            .SkipWhile(line => !line.StartsWith("The same statistics with reduce-style APIs", StringComparison.Ordinal))
            .Where(line => line.StartsWith("  ", StringComparison.Ordinal))
            .Select(line => line[2..]);
}
