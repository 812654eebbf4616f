using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace BatchNormAxis.Tests.Docs;

/// <summary>
/// Every number the docs print is recomputed here: each <c>bn-example</c> block is run on the scalar reference and
/// compared to the precision it is printed with, each axis table row is resolved with <see cref="AxisResolution"/>,
/// and each <c>axis-diagram</c> block must be a valid call.
/// </summary>
public partial class DocsExamplesTests
{
    public static IEnumerable<TheoryDataRow<string>> Examples =>
        DocsPages.Blocks("bn-example").Select(block => new TheoryDataRow<string>(block.Id));

    public static IEnumerable<TheoryDataRow<string>> Diagrams =>
        DocsPages.Blocks("axis-diagram").Select(block => new TheoryDataRow<string>(block.Id));

    [Theory]
    [MemberData(nameof(Examples))]
    public void BnExample_PrintedNumbersMatchTheReference(string id)
    {
        FencedBlock block = DocsPages.Blocks("bn-example").Single(b => b.Id == id);
        BnExample example = BnExample.Parse(block.Body);
        Dictionary<string, double[]> actual = BnExampleRun.Outputs(example);

        string[] claimed = [.. example.OutputKeys];
        Assert.True(claimed.Length > 0, $"{id} (line {block.Line}) claims no output to check");
        string failures = PrintedComparison.Failures(example, claimed, actual);
        Assert.True(failures.Length == 0, $"{id} (line {block.Line}) prints numbers the reference does not give:\n{failures}");
    }

    [Fact]
    public void BnExamples_AreFoundInEveryContentPage()
    {
        string[] pages = ["the-rule.md", "walkthroughs.md", "modes.md", "keras2-vs-keras3.md", "porting.md", "numerical-pitfalls.md"];
        string[] without = [.. pages.Where(page => !DocsPages.Blocks("bn-example").Any(block => block.Page == page))];
        Assert.True(without.Length == 0, $"no bn-example block in {string.Join(", ", without)}");
    }

    /// <summary>
    /// The float32 example of numerical-pitfalls.md: E[x²] - E[x]² in float32 is negative (so the output is NaN),
    /// while the two-pass variance in float32 and the reference are the exact, positive variance.
    /// </summary>
    [Fact]
    public void SinglePassVariance_OnTheDocsFloat32Example_IsNegativeWhileTwoPassIsExact()
    {
        FencedBlock block = DocsPages.Blocks("bn-example").Single(b => b.Page == "numerical-pitfalls.md" && b.Body.Contains("float32_single_pass_variance", StringComparison.Ordinal));
        BnExample example = BnExample.Parse(block.Body);
        float[] x = [.. example.Input("x").Select(value => (float)value)];
        Assert.All(example.Input("x"), value => Assert.Equal(value, (double)(float)value)); // the inputs are float32 values

        // One channel, summed left to right in float32.
        (float mean, float meanOfSquares) = Float32SinglePass.Moments(x);
        float singlePass = meanOfSquares - (mean * mean);
        float twoPass = x.Select(value => (value - mean) * (value - mean)).Aggregate(0f, (s, d) => s + d) / x.Length;
        float epsilon = (float)example.Scalar("epsilon", 1e-3);

        Assert.True(singlePass < 0, $"E[x²] - E[x]² in float32 = {singlePass}, expected negative");
        Assert.True(float.IsNaN(MathF.Sqrt(singlePass + epsilon)), "sqrt(variance + epsilon) should be NaN");
        Assert.Equal(example.Numbers("float32_single_pass_variance").Single(), singlePass);
        Assert.Equal(example.Numbers("float32_two_pass_variance").Single(), twoPass);
        Assert.Equal(BnExampleRun.Outputs(example)["variance"].Single(), twoPass); // exact: the reference agrees to the bit
        Assert.True(twoPass > 0);

        // The page's explanation: near 1e8 consecutive float32 values are 8 apart, and the deviations are ±0.125.
        Assert.Equal(8f, MathF.BitIncrement(meanOfSquares) - meanOfSquares);
        Assert.Equal([-0.125f, 0.125f], x.Select(value => value - mean));
    }

    [Theory]
    [MemberData(nameof(Diagrams))]
    public void AxisDiagram_IsAValidCall(string id)
    {
        FencedBlock block = DocsPages.Blocks("axis-diagram").Single(b => b.Id == id);
        Dictionary<string, string> values = block.Body.Split('\n')
            .Where(line => line.Trim().Length > 0)
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0].Trim(), parts => parts.Length > 1 ? parts[1].Trim() : "", StringComparer.Ordinal);
        Assert.Subset(new HashSet<string>(["shape", "axis", "names", "caption"]), new HashSet<string>(values.Keys));

        int[] shape = [.. ShapeNumbers().Matches(values["shape"]).Select(m => int.Parse(m.Value, CultureInfo.InvariantCulture))];
        AxisResolution layout = AxisResolution.Resolve(shape, BnExample.ParseAxis(values["axis"]));
        if (values.TryGetValue("names", out string? names))
        {
            Assert.Equal(layout.Rank, names.Split(',').Length);
        }
    }

    /// <summary>
    /// Tables whose header starts <c>| input | axis |</c> state what an axis means for a symbolic shape such as
    /// <c>(N, H, W, C)</c>. Each letter gets a distinct size and every other recognised column is checked.
    /// </summary>
    [Fact]
    public void AxisTables_StateWhatAxisResolutionGives()
    {
        int checkedRows = 0;
        var failures = new StringBuilder();
        foreach (string page in DocsPages.Pages)
        {
            foreach ((string[] header, List<(int Line, string[] Cells)> rows) in DocsPages.Tables(page))
            {
                if (header.Length < 3 || header[0] != "input" || header[1] != "axis")
                {
                    continue;
                }

                foreach ((int line, string[] cells) in rows)
                {
                    checkedRows++;
                    string[] names = [.. Letters().Matches(cells[0]).Select(m => m.Value)];
                    Dictionary<string, int> sizes = names.Distinct().Select((name, i) => (name, size: i + 2)).ToDictionary(p => p.name, p => p.size);
                    AxisResolution layout = AxisResolution.Resolve([.. names.Select(name => sizes[name])], BnExample.ParseAxis(Unquote(cells[1])));
                    for (int column = 2; column < header.Length && column < cells.Length; column++)
                    {
                        string stated = Unquote(cells[column]).Replace(" ", "", StringComparison.Ordinal);
                        string? expected = header[column] switch
                        {
                            "kept axes" => Axes(layout.KeptAxes, stated),
                            "reduced axes" => Axes(layout.ReductionAxes, stated),
                            "parameter shape" => Shape(layout.ParameterShape, sizes),
                            "broadcast shape" => Shape(layout.BroadcastShape, sizes),
                            "tf.keras stores parameters in" => Shape(layout.KerasWeightShape, sizes),
                            _ => null,
                        };
                        if (expected is not null && stated != expected)
                        {
                            failures.AppendLine(CultureInfo.InvariantCulture, $"  {page}:{line} {header[column]}: states {cells[column]}, AxisResolution gives {expected}");
                        }
                    }
                }
            }
        }

        Assert.True(checkedRows >= 10, $"only {checkedRows} axis table rows found");
        Assert.True(failures.Length == 0, $"axis tables disagree with AxisResolution:\n{failures}");
    }

    /// <summary>The defaults the walkthroughs state for their examples are the library's (Keras') defaults.</summary>
    [Fact]
    public void StatedDefaults_AreTheLibrarys()
    {
        Match stated = StatedDefaults().Match(DocsPages.Read("walkthroughs.md"));
        Assert.True(stated.Success, "walkthroughs.md should state the defaults its examples use");
        Assert.Equal(BatchNormOptions.Default.Momentum, double.Parse(stated.Groups["momentum"].Value, CultureInfo.InvariantCulture));
        Assert.Equal(BatchNormOptions.Default.Epsilon, double.Parse(stated.Groups["epsilon"].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>The fixture ids and the case count the pages name are those of <c>fixtures/manifest.json</c>.</summary>
    [Fact]
    public void FixtureIdsAndCaseCount_NamedInTheDocs_AreTheManifests()
    {
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(DocsPages.Directory, "..", "fixtures", "manifest.json")));
        HashSet<string> ids = [.. manifest.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("id").GetString()!)];
        int count = manifest.RootElement.GetProperty("case_count").GetInt32();
        Assert.Equal(count, ids.Count);

        string[] pages = ["the-rule.md", "walkthroughs.md", "modes.md", "keras2-vs-keras3.md", "porting.md", "numerical-pitfalls.md", "validate.md"];
        var named = pages.SelectMany(page => FixtureId().Matches(DocsPages.Read(page)).Select(m => (page, id: m.Groups["id"].Value))).ToList();
        Assert.NotEmpty(named);
        Assert.All(named, n => Assert.True(ids.Contains(n.id), $"{n.page} names fixture case {n.id}, which the manifest does not list"));

        Match stated = GoldenCaseCount().Match(DocsPages.Read("validate.md"));
        Assert.True(stated.Success, "validate.md should state how many golden cases the suite has");
        Assert.Equal(count, int.Parse(stated.Groups["count"].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>Relative links between the pages point at an existing page and, with a fragment, at one of its headings.</summary>
    [Fact]
    public void RelativeLinks_PointAtExistingPagesAndHeadings()
    {
        var failures = new StringBuilder();
        foreach (string page in DocsPages.Pages)
        {
            foreach (Match link in RelativeLink().Matches(DocsPages.Read(page)))
            {
                string target = link.Groups["page"].Value;
                string file = target.Length == 0 ? page : target;
                if (file is "index.md" or "SUMMARY.md" or "explorer.md")
                {
                    continue; // written by the site generator's owner
                }

                if (!File.Exists(Path.Combine(DocsPages.Directory, file)))
                {
                    failures.AppendLine(CultureInfo.InvariantCulture, $"  {page}: link to {link.Value}: no such page");
                }
                else if (link.Groups["anchor"].Success && !HeadingAnchors(file).Contains(link.Groups["anchor"].Value))
                {
                    failures.AppendLine(CultureInfo.InvariantCulture, $"  {page}: link to {link.Value}: no such heading in {file}");
                }
            }
        }

        Assert.True(failures.Length == 0, $"broken links:\n{failures}");
    }

    private static HashSet<string> HeadingAnchors(string page) =>
        [.. DocsPages.Read(page).Split('\n')
            .Where(line => line.StartsWith('#'))
            .Select(line => Urilize(line.TrimStart('#').Trim().Replace("`", "", StringComparison.Ordinal)))];

    /// <summary>
    /// The heading id Markdig's auto-identifiers give (its <c>LinkHelper.Urilize</c>, ASCII only): letters
    /// lowercased, digits kept after the first letter, spaces as '-', '-', '_' and '.' kept once, anything else dropped.
    /// </summary>
    private static string Urilize(string heading)
    {
        var id = new StringBuilder();
        bool hasLetter = false, previousIsSpace = false;
        foreach (char c in heading)
        {
            if (char.IsAsciiLetter(c))
            {
                id.Append(char.ToLowerInvariant(c));
                hasLetter = true;
                previousIsSpace = false;
            }
            else if (!hasLetter)
            {
                continue;
            }
            else if (c is '_' or '-' or '.')
            {
                if (previousIsSpace)
                {
                    id.Length--;
                }

                if (id[^1] != c)
                {
                    id.Append(c);
                }

                previousIsSpace = false;
            }
            else if (char.IsAsciiDigit(c))
            {
                id.Append(c);
                previousIsSpace = false;
            }
            else if (!previousIsSpace && char.IsWhiteSpace(c))
            {
                if (id[^1] is not ('_' or '-' or '.'))
                {
                    id.Append('-');
                }

                previousIsSpace = true;
            }
        }

        return id.ToString().TrimEnd('_', '-', '.');
    }

    /// <summary>The axes in the brackets the docs use for them: <c>[1, 2]</c> or NumPy's tuple <c>(0, 1)</c>.</summary>
    private static string Axes(IEnumerable<int> axes, string stated)
    {
        string[] parts = [.. axes.Select(a => a.ToString(CultureInfo.InvariantCulture))];
        return stated.StartsWith('(')
            ? "(" + string.Join(',', parts) + (parts.Length == 1 ? ",)" : ")")
            : "[" + string.Join(',', parts) + "]";
    }

    /// <summary>A shape in the letters of the input: the letter of each dimension's size, 1 where it is 1.</summary>
    private static string Shape(IEnumerable<int> dimensions, Dictionary<string, int> sizes)
    {
        string[] parts = [.. dimensions.Select(size => size == 1 ? "1" : sizes.Single(pair => pair.Value == size).Key)];
        return "(" + string.Join(',', parts) + (parts.Length == 1 ? ",)" : ")");
    }

    private static string Unquote(string cell) => cell.Trim().Trim('`');

    [GeneratedRegex(@"\d+")]
    private static partial Regex ShapeNumbers();

    [GeneratedRegex(@"`(?<id>[a-z]+\.[a-z0-9.-]+\.(?:f32|f64|f16|bf16))`")]
    private static partial Regex FixtureId();

    [GeneratedRegex(@"momentum (?<momentum>[\d.]+), epsilon (?<epsilon>[\d.e-]+)")]
    private static partial Regex StatedDefaults();

    [GeneratedRegex(@"(?<count>\d+) golden cases")]
    private static partial Regex GoldenCaseCount();

    [GeneratedRegex(@"[A-Z]")]
    private static partial Regex Letters();

    [GeneratedRegex(@"\]\((?!https?:)(?<page>[a-z0-9-]*\.md|)(?:#(?<anchor>[a-z0-9._-]+))?\)")]
    private static partial Regex RelativeLink();
}
