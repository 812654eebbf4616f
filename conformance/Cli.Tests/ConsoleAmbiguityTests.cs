using System.Text.Json.Nodes;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// Issue 13: a failure two explanations fit equally is reported as such, on the console and in the JSON report,
/// and counted apart, never as a diagnosis. The motivating example: an unbiased moving variance (PyTorch's) on the
/// large-offset float32 case, whose tolerance the n/(n-1) factor barely exceeds.
/// </summary>
public class ConsoleAmbiguityTests
{
    [Fact]
    public void UnbiasedMovingVariance_OnLargeOffset_IsAmbiguousOnTheConsoleAndInTheJson()
    {
        string json = Path.Combine(Path.GetTempPath(), $"bnaxis-ambiguity-{Guid.NewGuid():N}.json");
        try
        {
            CliResult result = CliRun.Invoke("run", "--harness", FakeHarnesses.Command("variant-UnbiasedMovingVariance"), "--fixtures", FakeHarnesses.Fixtures(), "--filter", "data.large-offset.r2.k1.train.f32", "--json", json);

            Assert.Equal(1, result.ExitCode);
            string[] lines = result.Output.ReplaceLineEndings("\n").Split('\n');
            Assert.DoesNotContain(lines, l => l.StartsWith("     diagnosis: ", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("     ambiguous: cannot be told apart on this case: unbiased_moving_variance (worst error ", StringComparison.Ordinal) && l.Contains(" or keras (worst error ", StringComparison.Ordinal));
            string counts = Assert.Single(lines, l => l.StartsWith("diagnoses of ", StringComparison.Ordinal));
            Assert.StartsWith("diagnoses of 1 failing cases: (none given); cannot be told apart: unbiased_moving_variance or ", counts, StringComparison.Ordinal);
            Assert.EndsWith(" 1; none 0", counts, StringComparison.Ordinal);

            JsonNode report = JsonNode.Parse(File.ReadAllText(json))!;
            Assert.Equal("1.3.0", (string)report["report_version"]!);
            JsonNode only = Assert.Single(report["cases"]!.AsArray())!;
            Assert.Empty(only["diagnosis"]!.AsArray());
            JsonArray candidates = only["ambiguity"]!["candidates"]!.AsArray();
            Assert.Equal("unbiased_moving_variance", (string)candidates[0]!["convention"]!);
            Assert.Contains(candidates, c => (string)c!["name"]! == "keras" && c["convention"] is null);
            Assert.Equal(1, (int)report["diagnoses"]!["ambiguous"]![0]!["cases"]!);
            Assert.Equal(0, (int)report["diagnoses"]!["none"]!);
        }
        finally
        {
            File.Delete(json);
        }
    }
}
