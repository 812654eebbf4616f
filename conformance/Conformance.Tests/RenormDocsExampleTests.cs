using System.Globalization;
using System.Text.RegularExpressions;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// The worked example of docs/renorm.md (its <c>renorm-example</c> block) recomputed in float64 from the formulas the
/// page states, independently of the reference and the oracles: every printed number must match to the precision it
/// is printed with (<c>1.0124</c> claims ±0.00005; an integer claims the value exactly).
/// </summary>
public partial class RenormDocsExampleTests
{
    [Fact]
    public void WorkedExample_PrintsWhatTheFormulasGive()
    {
        Dictionary<string, string> block = ExampleBlock();
        double[] x = Numbers(block["x"]);
        double epsilon = Numbers(block["epsilon"]).Single();
        double momentum = Numbers(block["momentum"]).Single();
        double renormMomentum = Numbers(block["renorm_momentum"]).Single();
        (double rmin, double rmax, double dmax) = (Numbers(block["rmin"]).Single(), Numbers(block["rmax"]).Single(), Numbers(block["dmax"]).Single());
        double[] movingMean = Numbers(block["moving_mean"]);
        double[] movingStddev = Numbers(block["moving_stddev"]);
        double[] renormMean = Numbers(block["renorm_mean"]);
        double[] renormStddev = Numbers(block["renorm_stddev"]);
        int channels = renormMean.Length;
        int rows = x.Length / channels;

        var computed = new Dictionary<string, double[]>(StringComparer.Ordinal);
        double[] mean = [.. Enumerable.Range(0, channels).Select(c => Enumerable.Range(0, rows).Average(n => x[(n * channels) + c]))];
        double[] variance = [.. Enumerable.Range(0, channels).Select(c => Enumerable.Range(0, rows).Average(n => Math.Pow(x[(n * channels) + c] - mean[c], 2)))];
        double[] stddev = [.. variance.Select(v => Math.Sqrt(v + epsilon))];
        double[] sigma = [.. renormStddev.Select(s => Math.Max(s, Math.Sqrt(epsilon)))];
        double[] r = [.. Enumerable.Range(0, channels).Select(c => Math.Min(Math.Max(stddev[c] / sigma[c], rmin), rmax))];
        double[] d = [.. Enumerable.Range(0, channels).Select(c => Math.Clamp((mean[c] - renormMean[c]) / sigma[c], -dmax, dmax))];
        double[] newMovingStddev = [.. Enumerable.Range(0, channels).Select(c => (movingStddev[c] * momentum) + (stddev[c] * (1 - momentum)))];
        computed["mean"] = mean;
        computed["variance"] = variance;
        computed["r"] = r;
        computed["d"] = d;
        computed["y"] = [.. x.Select((value, i) => ((value - mean[i % channels]) / stddev[i % channels] * r[i % channels]) + d[i % channels])];
        computed["new_renorm_mean"] = [.. Enumerable.Range(0, channels).Select(c => (renormMean[c] * renormMomentum) + (mean[c] * (1 - renormMomentum)))];
        computed["new_renorm_stddev"] = [.. Enumerable.Range(0, channels).Select(c => (renormStddev[c] * renormMomentum) + (stddev[c] * (1 - renormMomentum)))];
        computed["new_moving_mean"] = [.. Enumerable.Range(0, channels).Select(c => (movingMean[c] * momentum) + (mean[c] * (1 - momentum)))];
        computed["new_moving_stddev"] = newMovingStddev;
        computed["new_moving_variance"] = [.. newMovingStddev.Select(s => Math.Max((s * s) - epsilon, 0))];

        Assert.Equal(computed.Keys.Order(StringComparer.Ordinal), block.Keys.Where(computed.ContainsKey).Order(StringComparer.Ordinal));
        foreach ((string key, double[] values) in computed)
        {
            string[] printed = [.. NumberToken().Matches(block[key]).Select(m => m.Value)];
            Assert.True(printed.Length == values.Length, $"{key}: {printed.Length} numbers printed, {values.Length} computed");
            for (int i = 0; i < values.Length; i++)
            {
                double claimed = double.Parse(printed[i], CultureInfo.InvariantCulture);
                int decimals = printed[i].Contains('.', StringComparison.Ordinal) ? printed[i].Length - printed[i].IndexOf('.', StringComparison.Ordinal) - 1 : 0;
                double allowed = decimals == 0 ? 1e-12 * Math.Max(1, Math.Abs(claimed)) : 0.5 * Math.Pow(10, -decimals);
                Assert.True(Math.Abs(values[i] - claimed) <= allowed, $"{key}[{i}]: docs/renorm.md prints {printed[i]}, the formulas give {values[i].ToString("R", CultureInfo.InvariantCulture)}");
            }
        }
    }

    [Fact]
    public void WorkedExample_ClipsChannelOneAndNotChannelZero_AsThePageSays()
    {
        Dictionary<string, string> block = ExampleBlock();
        double[] renormStddev = Numbers(block["renorm_stddev"]);
        double epsilon = Numbers(block["epsilon"]).Single();

        // The page's story: channel 1 is below the floor and clipped; channel 0 is neither.
        Assert.True(renormStddev[1] < Math.Sqrt(epsilon));
        Assert.True(renormStddev[0] > Math.Sqrt(epsilon));
        Assert.Equal(Numbers(block["rmax"]).Single(), Numbers(block["r"])[1]);
        Assert.Equal(-Numbers(block["dmax"]).Single(), Numbers(block["d"])[1]);
    }

    /// <summary>The one <c>renorm-example</c> block of docs/renorm.md as key/value text, comments removed, continuations joined.</summary>
    private static Dictionary<string, string> ExampleBlock()
    {
        string page = File.ReadAllText(Path.Combine(Path.GetDirectoryName(FixtureLocation.Directory)!, "docs", "renorm.md")).ReplaceLineEndings("\n");
        MatchCollection blocks = Block().Matches(page);
        Assert.Single(blocks);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        foreach (string raw in blocks[0].Groups["body"].Value.Split('\n'))
        {
            string line = raw.Split('#')[0];
            if (line.Trim().Length == 0)
            {
                continue;
            }

            Match keyed = KeyLine().Match(line);
            if (keyed.Success)
            {
                current = keyed.Groups["key"].Value;
                values.Add(current, keyed.Groups["value"].Value);
            }
            else
            {
                Assert.True(current is not null && char.IsWhiteSpace(line[0]), $"cannot read the line '{raw}'");
                values[current!] += " " + line.Trim();
            }
        }

        return values;
    }

    private static double[] Numbers(string text) => [.. NumberToken().Matches(text).Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture))];

    [GeneratedRegex(@"```renorm-example\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Block();

    [GeneratedRegex(@"^(?<key>[a-z_]+):(?<value>.*)$")]
    private static partial Regex KeyLine();

    [GeneratedRegex(@"-?\d+(\.\d+)?([eE][-+]?\d+)?")]
    private static partial Regex NumberToken();
}
