using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace BatchNormAxis.Tests.Docs;

/// <summary>
/// The facts of the learning pages (which-axis, troubleshooting, synchronized statistics, mixed precision, glossary)
/// that are not a <c>bn-example</c> block or an axis table: each is recomputed here, and the sentence that states it
/// is pinned so that the two cannot drift apart.
/// </summary>
public class LearnPagesTests
{
    /// <summary>Which axis for Conv1D channels-first: the table row for (N, C, L) says axis 1, and axis 1 keeps C.</summary>
    [Fact]
    public void WhichAxis_AnswersConv1DChannelsFirst()
    {
        const string Page = "which-axis.md";
        Assert.Contains("**Conv1D with `data_format=\"channels_first\"`** gives `(N, C, L)`: pass `axis=1`.", DocsPages.Read(Page), StringComparison.Ordinal);
        (string[] header, List<(int Line, string[] Cells)> rows) = DocsPages.Tables(Page).Single(t => t.Header[0] == "input" && t.Header[1] == "axis");
        string[] row = rows.Single(r => r.Cells[^1].Contains("Conv1D", StringComparison.Ordinal) && r.Cells[^1].Contains("channels_first", StringComparison.Ordinal)).Cells;
        Assert.Equal("`(N, C, L)`", row[0]);
        Assert.Equal("`1`", row[1]);
        Assert.Equal([1], AxisResolution.Resolve([8, 16, 100], AxisSpec.Of(1)).KeptAxes);
        Assert.Equal("layer and layout", header[^1]);

        // Every layer the issue lists has a row.
        foreach (string layer in new[] { "Dense", "Conv1D", "Conv2D", "Conv3D", "sequences", "attention" })
        {
            Assert.Contains(rows, r => r.Cells[^1].Contains(layer, StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// Why the output is NaN near 1e4 on Keras' NumPy backend: its formulas (nn.py lines 947-951 and 975-985) replayed
    /// in float32 on the page's data give a negative variance for channel 0 and NaN for all its outputs, while the
    /// second channel stays finite; the values are float32 numbers near 1e4.
    /// </summary>
    [Fact]
    public void Troubleshooting_NaNNear1e4_IsTheNumpyBackendsSinglePassVariance()
    {
        const string Page = "troubleshooting.md";
        BnExample example = BnExample.Parse(DocsPages.Blocks("bn-example").Single(b => b.Page == Page && b.Body.Contains("float32_single_pass_variance", StringComparison.Ordinal)).Body);
        int[] shape = example.Integers("shape");
        Assert.Equal(2, shape.Length);
        int rows = shape[0], channels = shape[1];
        float[] x = [.. example.Input("x").Select(value => (float)value)];
        Assert.All(example.Input("x"), value => Assert.Equal(value, (double)(float)value));
        float epsilon = (float)example.Scalar("epsilon", BatchNormOptions.Default.Epsilon);

        float[][] y = [.. Enumerable.Range(0, channels).Select(c => KerasNumpyBackendForward([.. Enumerable.Range(0, rows).Select(r => x[(r * channels) + c])], epsilon))];
        Assert.All(Enumerable.Range(0, rows), r => Assert.InRange(x[r * channels], 9_000f, 11_000f));
        Assert.All(y[0], value => Assert.True(float.IsNaN(value), "channel 0 near 1e4 should be NaN"));
        Assert.All(y[1], value => Assert.True(float.IsFinite(value), "channel 1 should be finite"));

        string text = DocsPages.Read(Page).Replace("\n", " ", StringComparison.Ordinal);
        Assert.Contains("**Why is the output NaN for data near 1e4 on Keras' NumPy backend?**", text, StringComparison.Ordinal);
        Assert.Contains("channel 0's four outputs are NaN", text, StringComparison.Ordinal);
        Assert.Contains("−8", text, StringComparison.Ordinal);
        Assert.Equal(-8, example.Numbers("float32_single_pass_variance")[0]);

        // "consecutive float32 numbers are 8 apart" near 1e8, where the squares of values near 1e4 lie.
        Assert.Equal(8f, MathF.BitIncrement(1e8f) - 1e8f);
    }

    /// <summary>
    /// The synchronized page: the global statistics are those of the concatenated batch, the global variance is the
    /// replicas' mean variance plus the spread of their means ("1 + 9 = 10").
    /// </summary>
    [Fact]
    public void Synchronized_GlobalStatisticsComeFromTheConcatenatedBatch()
    {
        const string Page = "synchronized-statistics.md";
        BnExample[] blocks = [.. DocsPages.Blocks("bn-example").Where(b => b.Page == Page).Select(b => BnExample.Parse(b.Body))];
        Assert.Equal(3, blocks.Length);
        BnExample replica0 = blocks[0], replica1 = blocks[1], global = blocks[2];
        Assert.Equal([.. replica0.Input("x"), .. replica1.Input("x")], global.Input("x"));

        double[] means = [.. new[] { replica0, replica1 }.Select(b => BnExampleRun.Outputs(b)["mean"].Single())];
        double[] variances = [.. new[] { replica0, replica1 }.Select(b => BnExampleRun.Outputs(b)["variance"].Single())];
        Dictionary<string, double[]> all = BnExampleRun.Outputs(global);
        double within = variances.Average(), between = means.Select(m => (m - all["mean"].Single()) * (m - all["mean"].Single())).Average();
        Assert.Equal(all["mean"].Single(), means.Average());
        Assert.Equal(all["variance"].Single(), within + between);

        string text = DocsPages.Read(Page).Replace("\n", " ", StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{within} + {between} = {within + between}."), text, StringComparison.Ordinal);
    }

    /// <summary>
    /// Mixed precision: float16's largest value, its spacing around 1, 656 squares of 10 summing past it, and the
    /// moving variance that stays at 1 in float16 storage (the reference in Half, and Keras' formula: float32, then
    /// rounded) but moves in float32 storage.
    /// </summary>
    [Fact]
    public void MixedPrecision_Float16Facts()
    {
        string text = DocsPages.Read("mixed-precision.md").Replace("\n", " ", StringComparison.Ordinal);
        Assert.Equal(65504, (double)Half.MaxValue);
        Assert.Contains("its largest value is 65504", text, StringComparison.Ordinal);

        Assert.Equal(65600, 656 * 10 * 10);
        Assert.True(Half.IsPositiveInfinity((Half)65600f));
        Assert.Contains("656 values equal to 10 already sum to 65600, more than float16 can hold (it rounds to infinity)", text, StringComparison.Ordinal);

        Assert.Equal(Math.ScaleB(1, -10), (double)(Half.BitIncrement(Half.One) - Half.One));
        Assert.Equal(Math.ScaleB(1, -11), (double)(Half.One - Half.BitDecrement(Half.One)));
        Assert.Contains("`2^-11` ≈ 0.000488 apart below 1 and `2^-10` above", text, StringComparison.Ordinal);
        Assert.Equal(0.000488, Math.Round(Math.ScaleB(1, -11), 6));

        // Keras with float16 variables: read as float32 (line 351), update in float32 (lines 388-391), assign to float16.
        float update = (float)(Half)1f * 0.99f + (0.98f * (1 - 0.99f));
        Assert.Equal(0.9998f, update, 1e-6f);
        Assert.Equal(Half.One, (Half)update);
        Assert.Contains("each update computes 0.9998 in float32, which rounds back to 1 in float16", text, StringComparison.Ordinal);
        Assert.Contains("`0.01 × (1 − 0.98)` = 0.0002", text, StringComparison.Ordinal);

        // The page's bn-example data, 100 calls, through the reference in float16 and in float32 storage.
        BnExample example = BnExample.Parse(DocsPages.Blocks("bn-example").Single(b => b.Page == "mixed-precision.md").Body);
        int calls = (int)example.Scalar("calls", 1);
        Assert.Equal(100, calls);
        Assert.Equal(Half.One, MovingVarianceAfter<Half>(example.Input("x"), calls));
        float float32Storage = MovingVarianceAfter<float>(example.Input("x"), calls);
        Assert.InRange(float32Storage, 0.98f, 0.99f);
    }

    /// <summary>The suite's float16 cases store every tensor, weights and moving statistics included, in float16.</summary>
    [Fact]
    public void MixedPrecision_TheSuitesFloat16CasesAreAllFloat16()
    {
        string fixtures = Path.Combine(DocsPages.Directory, "..", "fixtures");
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixtures, "manifest.json")));
        string[] paths = [.. manifest.RootElement.GetProperty("cases").EnumerateArray()
            .Where(c => c.GetProperty("dtype").GetString() == "float16")
            .Select(c => c.GetProperty("path").GetString()!)];
        Assert.NotEmpty(paths);
        foreach (string path in paths)
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixtures, path)));
            foreach (JsonProperty tensor in document.RootElement.GetProperty("inputs").EnumerateObject())
            {
                Assert.True(tensor.Value.GetProperty("dtype").GetString() == "float16", $"{path}: input {tensor.Name} is not float16");
            }
        }

        Assert.Contains("The suite has no `mixed_float16` case", DocsPages.Read("mixed-precision.md"), StringComparison.Ordinal);
    }

    /// <summary>The glossary explains every key a bn-example block may use, and states the defaults the runner uses.</summary>
    [Fact]
    public void Glossary_ExplainsEveryBnExampleKey()
    {
        string glossary = DocsPages.Read("glossary.md");
        HashSet<string> explained = [.. DocsPages.Tables("glossary.md")
            .Where(t => t.Header[0] == "key")
            .SelectMany(t => t.Rows.Select(r => r.Cells[0].Trim('`')))];
        Assert.Subset(explained, new HashSet<string>(BnExample.InputKeys, StringComparer.Ordinal));
        Assert.Subset(explained, new HashSet<string>(BnExampleRun.OutputKeys, StringComparer.Ordinal));
        Assert.Equal(BnExample.InputKeys.Count + BnExampleRun.OutputKeys.Count, explained.Count);

        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"| `momentum` | Keras' momentum (default {BatchNormOptions.Default.Momentum}) |"), glossary, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"| `epsilon` | added to the variance (default {BatchNormOptions.Default.Epsilon:0e-0}) |"), glossary, StringComparison.Ordinal);
        Assert.Equal(0.00005, PrintedNumber.Parse("1.2245").Tolerance, 1e-15);
        Assert.Contains("`1.2245` claims ±0.00005", glossary, StringComparison.Ordinal);
        Assert.Equal(1e-12 * 3, PrintedNumber.Parse("3").Tolerance, 1e-15);
    }

    /// <summary>Every new learning page is in the sidebar and linked from the home page.</summary>
    [Theory]
    [InlineData("which-axis.md")]
    [InlineData("normalization-layers.md")]
    [InlineData("migration.md")]
    [InlineData("mixed-precision.md")]
    [InlineData("synchronized-statistics.md")]
    [InlineData("troubleshooting.md")]
    [InlineData("glossary.md")]
    public void LearningPage_IsInTheSidebarAndOnTheHomePage(string page)
    {
        Assert.Contains($"]({page})", DocsPages.Read("SUMMARY.md"), StringComparison.Ordinal);
        Assert.Contains($"]({page})", DocsPages.Read("index.md"), StringComparison.Ordinal);
        Assert.True(DocsPages.Blocks("axis-diagram").Any(b => b.Page == page) || page == "glossary.md" || page == "mixed-precision.md",
            $"{page} should have a diagram");
    }

    /// <summary>
    /// Diagram captions that count ("20 channels of 24 values", "gamma has 32 values") state what the diagram's
    /// own shape and axis give.
    /// </summary>
    [Fact]
    public void DiagramCaptions_CountWhatTheDiagramResolves()
    {
        int checkedCaptions = 0;
        foreach (FencedBlock block in DocsPages.Blocks("axis-diagram"))
        {
            Dictionary<string, string> values = block.Body.Split('\n')
                .Where(line => line.Contains(':', StringComparison.Ordinal))
                .Select(line => line.Split(':', 2))
                .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.Ordinal);
            if (!values.TryGetValue("caption", out string? caption))
            {
                continue;
            }

            AxisResolution layout = AxisResolution.Resolve(
                [.. Regex.Matches(values["shape"], @"\d+").Select(m => int.Parse(m.Value, CultureInfo.InvariantCulture))],
                BnExample.ParseAxis(values["axis"]));
            foreach (Match counted in Regex.Matches(caption, @"(?<channels>\d+) channels of (?<count>\d+) values"))
            {
                Assert.Equal(layout.ChannelCount, int.Parse(counted.Groups["channels"].Value, CultureInfo.InvariantCulture));
                Assert.Equal(layout.ReductionCount, int.Parse(counted.Groups["count"].Value, CultureInfo.InvariantCulture));
                checkedCaptions++;
            }

            foreach (Match counted in Regex.Matches(caption, @"gamma has (?<channels>\d+) values"))
            {
                Assert.Equal(layout.ChannelCount, int.Parse(counted.Groups["channels"].Value, CultureInfo.InvariantCulture));
                checkedCaptions++;
            }
        }

        Assert.True(checkedCaptions >= 3, $"only {checkedCaptions} counting captions found");
    }

    /// <summary>Keras' NumPy backend at v3.15.1, in float32: single-pass moments, then <c>x * inv + (-mean * inv)</c>.</summary>
    private static float[] KerasNumpyBackendForward(float[] channel, float epsilon)
    {
        (float mean, float meanOfSquares) = Float32SinglePass.Moments(channel);
        float variance = meanOfSquares - (mean * mean);
        float inv = 1f / MathF.Sqrt(variance + epsilon);
        return [.. channel.Select(value => (value * inv) + (-mean * inv))];
    }

    private static T MovingVarianceAfter<T>(double[] input, int calls)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        T[] x = [.. input.Select(T.CreateChecked)];
        AxisResolution layout = AxisResolution.Resolve([x.Length, 1], AxisSpec.Of(-1));
        T[] gamma = [T.One], beta = [T.Zero], movingMean = [T.Zero], movingVariance = [T.One];
        T[] y = new T[x.Length], mean = new T[1], variance = new T[1];
        for (int call = 0; call < calls; call++)
        {
            ScalarBatchNorm.Instance.Forward<T>(
                layout,
                BatchNormOptions.Default,
                true,
                x,
                new BatchNormWeights<T>(gamma, beta, movingMean, movingVariance),
                new ForwardDestinations<T>(y, movingMean, movingVariance, mean, variance));
        }

        return movingVariance[0];
    }
}
