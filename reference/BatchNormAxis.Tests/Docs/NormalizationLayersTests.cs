using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace BatchNormAxis.Tests.Docs;

/// <summary>
/// docs/normalization-layers.md: every <c>norm-example</c> block is recomputed with <see cref="OtherNormalizations"/>,
/// and the side-by-side table's statistics and parameter shapes with those functions and the library.
/// </summary>
public partial class NormalizationLayersTests
{
    private const string Page = "normalization-layers.md";

    /// <summary>The keys that describe the call; every other key is a claimed output.</summary>
    private static readonly HashSet<string> s_inputKeys = new(StringComparer.Ordinal) { "layer", "shape", "axis", "groups", "epsilon", "x" };

    public static IEnumerable<TheoryDataRow<string>> Examples =>
        DocsPages.Blocks("norm-example").Select(block => new TheoryDataRow<string>(block.Id));

    [Theory]
    [MemberData(nameof(Examples))]
    public void NormExample_PrintedNumbersMatchThePlainFunctions(string id)
    {
        FencedBlock block = DocsPages.Blocks("norm-example").Single(b => b.Id == id);
        BnExample example = BnExample.Parse(block.Body);
        string[] claimed = [.. example.Values.Keys.Where(key => !s_inputKeys.Contains(key))];
        Assert.True(claimed.Length > 0, $"{id} (line {block.Line}) claims no output to check");

        string failures = PrintedComparison.Failures(example, claimed, Outputs(example));
        Assert.True(failures.Length == 0, $"{id} (line {block.Line}) prints numbers the plain functions do not give:\n{failures}");
    }

    /// <summary>The page shows LayerNorm, GroupNorm, InstanceNorm (groups=-1) and RMSNorm worked on the same tensor as its BatchNorm example.</summary>
    [Fact]
    public void WorkedNumbers_CoverEveryLayerOnOneTensor()
    {
        FencedBlock[] blocks = [.. DocsPages.Blocks("norm-example").Where(b => b.Page == Page)];
        BnExample[] examples = [.. blocks.Select(b => BnExample.Parse(b.Body))];
        Assert.Contains(examples, e => e.Text("layer") == "LayerNormalization");
        Assert.Contains(examples, e => e.Text("layer") == "GroupNormalization" && e.Text("groups") == "2");
        Assert.Contains(examples, e => e.Text("layer") == "GroupNormalization" && e.Text("groups") == "-1");
        Assert.Contains(examples, e => e.Text("layer") == "RMSNormalization");

        BnExample batchNorm = BnExample.Parse(DocsPages.Blocks("bn-example").Single(b => b.Page == Page).Body);
        Assert.All(examples, e => Assert.Equal(batchNorm.Input("x"), e.Input("x")));
        Assert.All(examples, e => Assert.Equal(batchNorm.Integers("shape"), e.Integers("shape")));
    }

    /// <summary>The question the issue asks: what LayerNormalization(axis=-1) reduces on (N, T, F). Answer: F only, N·T statistics.</summary>
    [Fact]
    public void LayerNormOfTheLastAxis_OnNTF_ReducesFOnly()
    {
        int[] shape = [2, 3, 5];
        NormalizationResult layerNorm = OtherNormalizations.LayerNorm(new double[30], shape, [-1], OtherNormalizations.LayerNormEpsilon);
        Assert.Equal([2, 3], layerNorm.StatisticsShape);
        Assert.Equal([5], layerNorm.ParameterShape);
        Assert.Equal([0, 1], AxisResolution.Resolve(shape, AxisSpec.Of(-1)).ReductionAxes);

        string page = DocsPages.Read(Page);
        Assert.Contains("**`LayerNormalization(axis=-1)` on `(N, T, F)` reduces `F` only**", page, StringComparison.Ordinal);
        Assert.Contains("`N·T` statistics in all", page, StringComparison.Ordinal);
    }

    /// <summary>
    /// The side-by-side table: with N, T, F and G of distinct sizes, the statistics and parameter shapes each row
    /// states are those the functions (and, for BatchNormalization, <see cref="AxisResolution"/>) give.
    /// </summary>
    [Fact]
    public void SideBySideTable_StatesWhatEachLayerComputes()
    {
        Dictionary<string, int> sizes = new(StringComparer.Ordinal) { ["N"] = 2, ["T"] = 3, ["F"] = 8, ["G"] = 4 };
        int[] shape = [sizes["N"], sizes["T"], sizes["F"]];
        double[] x = new double[shape.Aggregate(1, (p, d) => p * d)];
        AxisResolution batchNorm = AxisResolution.Resolve(shape, AxisSpec.Of(-1));
        Dictionary<string, (int[] Statistics, int[] Parameters)> expected = new(StringComparer.Ordinal)
        {
            ["BatchNormalization"] = ([.. batchNorm.ParameterShape], [.. batchNorm.ParameterShape]),
            ["LayerNormalization"] = Shapes(OtherNormalizations.LayerNorm(x, shape, [-1], OtherNormalizations.LayerNormEpsilon)),
            ["GroupNormalization"] = Shapes(OtherNormalizations.GroupNorm(x, shape, sizes["G"], -1, OtherNormalizations.GroupNormEpsilon)),
            ["InstanceNormalization"] = Shapes(OtherNormalizations.GroupNorm(x, shape, -1, -1, OtherNormalizations.GroupNormEpsilon)),
            ["RMSNormalization"] = Shapes(OtherNormalizations.RmsNorm(x, shape, [-1], OtherNormalizations.RmsNormEpsilon)),
        };

        (string[] header, List<(int Line, string[] Cells)> rows) = DocsPages.Tables(Page).Single(t => t.Header[0] == "layer");
        int statisticsColumn = Array.FindIndex(header, h => h.StartsWith("statistics", StringComparison.Ordinal));
        int parameterColumn = Array.IndexOf(header, "parameter shape");
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), rows.Select(r => r.Cells[0]).Order(StringComparer.Ordinal));

        var failures = new StringBuilder();
        foreach ((int line, string[] cells) in rows)
        {
            (int[] statistics, int[] parameters) = expected[cells[0]];
            string statedStatistics = LeadingShape(cells[statisticsColumn]), statedParameters = LeadingShape(cells[parameterColumn]);
            if (statedStatistics != Letters(statistics, sizes) || statedParameters != Letters(parameters, sizes))
            {
                failures.AppendLine(CultureInfo.InvariantCulture, $"  line {line} {cells[0]}: states {statedStatistics} and {statedParameters}, expected {Letters(statistics, sizes)} and {Letters(parameters, sizes)}");
            }
        }

        Assert.True(failures.Length == 0, $"{Page} side-by-side table:\n{failures}");
    }

    /// <summary>The default epsilons the page states are those the plain functions document as Keras 3.15.1's.</summary>
    [Fact]
    public void StatedDefaultEpsilons_AreKeras()
    {
        Match stated = DefaultEpsilons().Match(DocsPages.Read(Page).Replace("\n", " ", StringComparison.Ordinal));
        Assert.True(stated.Success, $"{Page} should state the default epsilons");
        Assert.Equal(OtherNormalizations.LayerNormEpsilon, double.Parse(stated.Groups["layer"].Value, CultureInfo.InvariantCulture));
        Assert.Equal(OtherNormalizations.GroupNormEpsilon, double.Parse(stated.Groups["layer"].Value, CultureInfo.InvariantCulture));
        Assert.Equal(BatchNormOptions.Default.Epsilon, double.Parse(stated.Groups["layer"].Value, CultureInfo.InvariantCulture));
        Assert.Equal(OtherNormalizations.RmsNormEpsilon, double.Parse(stated.Groups["rms"].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>Hand-checked values: GroupNorm's groups are consecutive channels, and RMSNorm subtracts nothing.</summary>
    [Fact]
    public void PlainFunctions_GiveHandComputedValues()
    {
        // (1, 1, 4) with two groups: {0, 2} and {4, 6}, each mean 1 and 5, variance 1.
        NormalizationResult groups = OtherNormalizations.GroupNorm([0, 2, 4, 6], [1, 1, 4], 2, -1, 0);
        Assert.Equal([1.0, 5.0], groups.Mean);
        Assert.Equal([1.0, 1.0], groups.Variance);
        Assert.Equal([-1.0, 1.0, -1.0, 1.0], groups.Y);

        // mean of squares of [3, 4] is 12.5; y = x / sqrt(12.5).
        NormalizationResult rms = OtherNormalizations.RmsNorm([3, 4], [1, 2], [-1], 0);
        Assert.Equal([12.5], rms.MeanSquare);
        Assert.Equal(3 / Math.Sqrt(12.5), rms.Y[0]);

        Assert.Throws<ArgumentException>(() => OtherNormalizations.GroupNorm(new double[3], [1, 3], 2, -1, 0));
    }

    private static Dictionary<string, double[]> Outputs(BnExample example)
    {
        int[] shape = example.Integers("shape");
        double[] x = example.Input("x");
        int[] axes = example.Has("axis") ? example.Integers("axis") : [-1];
        string layer = example.Text("layer");
        NormalizationResult result = layer switch
        {
            "LayerNormalization" => OtherNormalizations.LayerNorm(x, shape, axes, example.Scalar("epsilon", OtherNormalizations.LayerNormEpsilon)),
            "GroupNormalization" => OtherNormalizations.GroupNorm(x, shape, (int)example.Scalar("groups", 32), axes.Single(), example.Scalar("epsilon", OtherNormalizations.GroupNormEpsilon)),
            "RMSNormalization" => OtherNormalizations.RmsNorm(x, shape, axes, example.Scalar("epsilon", OtherNormalizations.RmsNormEpsilon)),
            _ => throw new FormatException($"layer '{layer}': expected LayerNormalization, GroupNormalization or RMSNormalization"),
        };

        var outputs = new Dictionary<string, double[]>(StringComparer.Ordinal)
        {
            ["statistics_shape"] = [.. result.StatisticsShape.Select(d => (double)d)],
            ["param_shape"] = [.. result.ParameterShape.Select(d => (double)d)],
            ["y"] = result.Y,
        };
        if (layer == "RMSNormalization")
        {
            outputs["mean_square"] = result.MeanSquare;
        }
        else
        {
            outputs["mean"] = result.Mean;
            outputs["variance"] = result.Variance;
        }

        return outputs;
    }

    private static (int[] Statistics, int[] Parameters) Shapes(NormalizationResult result) => (result.StatisticsShape, result.ParameterShape);

    private static string Letters(int[] shape, Dictionary<string, int> sizes) =>
        "(" + string.Join(", ", shape.Select(d => sizes.Single(pair => pair.Value == d).Key)) + (shape.Length == 1 ? ",)" : ")");

    private static string LeadingShape(string cell) => LeadingTuple().Match(cell).Value;

    [GeneratedRegex(@"\([A-Z](?:, [A-Z])*,?\)")]
    private static partial Regex LeadingTuple();

    [GeneratedRegex(@"default epsilon: (?<layer>[\d.e-]+) for BatchNorm, LayerNorm and GroupNorm, (?<rms>[\d.e-]+) for RMSNorm")]
    private static partial Regex DefaultEpsilons();
}
