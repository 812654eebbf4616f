using System.Text.Json.Nodes;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// The console summary says how many failing cases each diagnosis was given to (issue 13: no count anywhere): for a
/// harness that makes one known mistake, the counts agree with the diagnoses the JSON report lists case by case.
/// </summary>
public class ConsoleDiagnosisCountsTests
{
    [Fact]
    public void OneMistakeHarness_CountsItsDiagnosisOverItsFailures()
    {
        string json = Path.Combine(Path.GetTempPath(), $"bnaxis-counts-{Guid.NewGuid():N}.json");
        try
        {
            CliResult result = CliRun.Invoke("run", "--harness", FakeHarnesses.Command("variant-PyTorchMomentum"), "--fixtures", FakeHarnesses.Fixtures(), "--filter", "keep.r2.*.train.f32", "--json", json);

            Assert.Equal(1, result.ExitCode);
            JsonArray failing = [.. JsonNode.Parse(File.ReadAllText(json))!["cases"]!.AsArray().Where(c => (string)c!["verdict"]! == "failed").Select(c => c!.DeepClone())];
            int momentum = failing.Count(c => c!["diagnosis"]!.AsArray().Any(d => (string)d!["convention"]! == "pytorch_momentum"));
            int none = failing.Count(c => c!["diagnosis"]!.AsArray().Count == 0);
            Assert.InRange(momentum, 1, failing.Count);
            string line = Assert.Single(result.Output.ReplaceLineEndings("\n").Split('\n'), l => l.StartsWith("diagnoses of ", StringComparison.Ordinal));
            Assert.StartsWith($"diagnoses of {failing.Count} failing cases: pytorch_momentum {momentum}", line, StringComparison.Ordinal);
            Assert.EndsWith($"; none {none}", line, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public void PassingRun_PrintsNoCounts()
    {
        CliResult result = CliRun.Invoke("run", "--impl", "scalar", "--fixtures", FakeHarnesses.Fixtures(), "--filter", "keep.r2.*.train.f32");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("diagnoses of ", result.Output, StringComparison.Ordinal);
    }
}
