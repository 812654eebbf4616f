using System.Globalization;
using System.Text.RegularExpressions;

namespace BatchNormAxis.Tests.Docs;

/// <summary>
/// docs/migration.md: the Keras 3 rewrites of tf.keras list axes compute what the list-axis layer computes. The
/// page's Permute / Reshape / BatchNormalization sequences are read from the page and applied to a tensor; the
/// reference with the list axis is compared with the reference with the single axis on the moved tensor.
/// </summary>
public partial class MigrationTests
{
    private const string Page = "migration.md";

    /// <summary>H, W and C of distinct sizes, so that a wrong permutation or reshape cannot pass by accident.</summary>
    private static readonly Dictionary<string, int> s_sizes = new(StringComparer.Ordinal) { ["N"] = 3, ["H"] = 2, ["W"] = 5, ["C"] = 4 };

    public static IEnumerable<TheoryDataRow<string>> TableRows =>
        RewriteTable().Select(row => new TheoryDataRow<string>(row.Axis));

    /// <summary>
    /// Each row of the page's rewrite table: the list-axis layer and the Keras 3 layer sequence give the same output,
    /// batch statistics and moving statistics, to the bit, with distinct weights per channel moved by flattening
    /// (the page's "flatten each array").
    /// </summary>
    [Theory]
    [MemberData(nameof(TableRows))]
    public void RewriteTableRow_ComputesWhatTheListAxisLayerComputes(string axis)
    {
        string recipe = RewriteTable().Single(row => row.Axis == axis).Recipe;
        AssertRewriteMatches(BnExample.ParseAxis(axis), recipe);
    }

    /// <summary>The page's Keras 3 code for axis=[1, 2], read from its Python block, computes the same.</summary>
    [Fact]
    public void PythonCode_ForAxis12_ComputesWhatTheListAxisLayerComputes()
    {
        FencedBlock code = DocsPages.FencedBlocks(Page).First(block => block.Info == "python" && block.Body.Contains("keras.Input", StringComparison.Ordinal));
        string recipe = string.Join(", ", LayerCall().Matches(code.Body).Select(m => m.Groups["call"].Value));
        Assert.Contains("BatchNormalization(axis=-1)", recipe, StringComparison.Ordinal);
        AssertRewriteMatches(AxisSpec.List([1, 2]), recipe);
    }

    /// <summary>The shortcut the page gives for adjacent kept axes: Reshape((H * W, C)), axis=1, Reshape back.</summary>
    [Fact]
    public void AdjacentShortcut_ComputesWhatTheListAxisLayerComputes()
    {
        const string Shortcut = "`Reshape((H * W, C))`, then `BatchNormalization(axis=1)`, then `Reshape((H, W, C))`";
        Assert.Contains(Shortcut, DocsPages.Read(Page), StringComparison.Ordinal);
        AssertRewriteMatches(AxisSpec.List([1, 2]), Shortcut);
    }

    /// <summary>The question the issue asks, answered where a reader looks: a heading and runnable code.</summary>
    [Fact]
    public void Page_AnswersHowToWriteAxis12InKeras3()
    {
        string page = DocsPages.Read(Page);
        Assert.Contains("## How to write axis=[1, 2] in Keras 3", page, StringComparison.Ordinal);
        Assert.Equal(4, RewriteTable().Count);
    }

    /// <summary>The Keras check the page describes exists, run-peers.sh runs it, and its tolerance is the one the page states.</summary>
    [Fact]
    public void KerasCheck_IsRunByRunPeers_WithTheStatedTolerance()
    {
        string root = Path.GetDirectoryName(DocsPages.Directory)!;
        string script = File.ReadAllText(Path.Combine(root, "scripts", "compat", "check_migration.py"));
        Assert.Contains("/usr/bin/python3 scripts/compat/check_migration.py", File.ReadAllText(Path.Combine(root, "scripts", "compat", "run-peers.sh")), StringComparison.Ordinal);
        string tolerance = ScriptTolerance().Match(script).Groups["value"].Value;
        Assert.Equal("2e-5", tolerance);
        Assert.Contains($"within the float32 error bound of {tolerance} the script derives", DocsPages.Read(Page).Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    /// <summary>tf.keras' list-axis weights have the broadcast shape; flattening them gives the Keras 3 weight order.</summary>
    [Fact]
    public void TfKerasWeights_HaveTheBroadcastShape_AndFlattenToTheChannelOrder()
    {
        int[] shape = [s_sizes["N"], s_sizes["H"], s_sizes["W"], s_sizes["C"]];
        AxisResolution layout = AxisResolution.Resolve(shape, AxisSpec.List([1, 2]));
        Assert.Equal([1, s_sizes["H"], s_sizes["W"], 1], layout.KerasWeightShape);

        // The element at (n, h, w, c) belongs to channel h * W + w: the row-major flattening of (1, H, W, 1).
        int[] channelOf = layout.ChannelOfEachElement();
        int element = (((1 * s_sizes["H"]) + 1) * s_sizes["W"] + 3) * s_sizes["C"] + 2; // n=1, h=1, w=3, c=2
        Assert.Equal((1 * s_sizes["W"]) + 3, channelOf[element]);
    }

    private static void AssertRewriteMatches(AxisSpec listAxis, string recipe)
    {
        int[] shape = [s_sizes["N"], s_sizes["H"], s_sizes["W"], s_sizes["C"]];
        double[] x = Data(shape.Aggregate(1, (p, d) => p * d), seed: 11);
        AxisResolution listLayout = AxisResolution.Resolve(shape, listAxis);
        int channels = listLayout.ChannelCount;
        var weights = new[] { Data(channels, 2), Data(channels, 3), Data(channels, 5), Data(channels, 7).Select(v => 1 + Math.Abs(v)).ToArray() };

        foreach (bool training in new[] { true, false })
        {
            Call expected = Run(listLayout, training, x, weights);

            // Apply the recipe: Permute and Reshape move the data, BatchNormalization runs the reference on it.
            int[] current = shape;
            double[] data = x;
            Call? normalized = null;
            foreach (Match step in Step().Matches(recipe))
            {
                int[] args = Arguments(step.Groups["args"].Value);
                switch (step.Groups["layer"].Value)
                {
                    case "Permute":
                        (data, current) = Permute(data, current, args);
                        break;
                    case "Reshape":
                        Assert.Equal(current.Skip(1).Aggregate(1, (p, d) => p * d), args.Aggregate(1, (p, d) => p * d));
                        current = [current[0], .. args];
                        break;
                    default:
                        AxisResolution single = AxisResolution.Resolve(current, AxisSpec.Of(args.Single()));
                        Assert.Equal(channels, single.ChannelCount);
                        normalized = Run(single, training, data, weights);
                        data = normalized.Y;
                        break;
                }
            }

            Assert.NotNull(normalized);
            Assert.Equal(shape, current);
            Assert.Equal(expected.Y, data);
            Assert.Equal(expected.Mean, normalized.Mean);
            Assert.Equal(expected.Variance, normalized.Variance);
            Assert.Equal(expected.MovingMean, normalized.MovingMean);
            Assert.Equal(expected.MovingVariance, normalized.MovingVariance);
        }
    }

    private sealed record Call(double[] Y, double[] Mean, double[] Variance, double[] MovingMean, double[] MovingVariance);

    private static Call Run(AxisResolution layout, bool training, double[] x, double[][] weights)
    {
        int channels = layout.ChannelCount;
        double[] y = new double[x.Length], mean = new double[channels], variance = new double[channels];
        double[] movingMean = [.. weights[2]], movingVariance = [.. weights[3]];
        ScalarBatchNorm.Instance.Forward<double>(
            layout,
            BatchNormOptions.Default,
            training,
            x,
            new BatchNormWeights<double>(weights[0], weights[1], weights[2], weights[3]),
            new ForwardDestinations<double>(y, movingMean, movingVariance, mean, variance));
        return new Call(y, mean, variance, movingMean, movingVariance);
    }

    /// <summary>Keras' <c>Permute(dims)</c>: dims are 1-based and leave out the batch axis; output axis i+1 is input axis dims[i].</summary>
    private static (double[] Data, int[] Shape) Permute(double[] data, int[] shape, int[] dims)
    {
        int[] order = [0, .. dims];
        int[] outShape = [.. order.Select(a => shape[a])];
        int[] inStride = new int[shape.Length];
        for (int a = shape.Length - 1, stride = 1; a >= 0; stride *= shape[a], a--)
        {
            inStride[a] = stride;
        }

        double[] result = new double[data.Length];
        for (int i = 0; i < result.Length; i++)
        {
            int rest = i, source = 0;
            for (int a = outShape.Length - 1; a >= 0; a--)
            {
                source += rest % outShape[a] * inStride[order[a]];
                rest /= outShape[a];
            }

            result[i] = data[source];
        }

        return (result, outShape);
    }

    /// <summary>A layer's tuple argument with the page's letters, <c>(C, H * W)</c>, or an <c>axis=</c> value.</summary>
    private static int[] Arguments(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(term => term.Split('*', StringSplitOptions.TrimEntries)
                .Aggregate(1, (product, factor) => product * (s_sizes.TryGetValue(factor, out int size) ? size : int.Parse(factor, CultureInfo.InvariantCulture))))];

    private static List<(string Axis, string Recipe)> RewriteTable() =>
        [.. DocsPages.Tables(Page)
            .Single(table => table.Header[0].StartsWith("tf.keras 2", StringComparison.Ordinal))
            .Rows.Select(row => (Axis: AxisCell().Match(row.Cells[0]).Groups["axis"].Value, Recipe: row.Cells[1]))];

    /// <summary>Deterministic, irregular values with a nonzero mean, so every channel has its own statistics.</summary>
    private static double[] Data(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Math.Round((random.NextDouble() * 8) - 3, 3))];
    }

    [GeneratedRegex(@"(?<layer>Permute|Reshape|BatchNormalization)\(\(?(?:axis=)?(?<args>[^()]*?),?\)?\)")]
    private static partial Regex Step();

    [GeneratedRegex(@"layers\.(?<call>(?:Permute|Reshape|BatchNormalization)\([^\n]*?\))\(")]
    private static partial Regex LayerCall();

    [GeneratedRegex(@"^TOLERANCE = (?<value>[\d.e-]+)$", RegexOptions.Multiline)]
    private static partial Regex ScriptTolerance();

    [GeneratedRegex(@"axis=(?<axis>\[[\d, ]+\])")]
    private static partial Regex AxisCell();
}
