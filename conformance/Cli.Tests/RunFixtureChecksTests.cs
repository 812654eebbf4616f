using System.Text.Json.Nodes;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// <c>bnaxis run</c> verifies every fixture before the first case (it used to check hashes lazily and stop at the
/// first altered case, losing every result before it) and refuses a suite that is not an official one unless told.
/// </summary>
public sealed class RunFixtureChecksTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bnaxis-run-fixtures-").FullName;
    private readonly string _fixtures;

    public RunFixtureChecksTests()
    {
        _fixtures = Path.Combine(_directory, "fixtures");
        string source = FakeHarnesses.Fixtures();
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(_fixtures, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void UnchangedCopy_RunsAsTheOfficialSuite()
    {
        CliResult result = Run("--filter", "keep.r2.k0.*");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("modified", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AlteredLastCase_StopsTheRunBeforeTheFirstCase()
    {
        JsonArray cases = Manifest()["cases"]!.AsArray();
        string last = (string)cases[^1]!["path"]!;
        File.AppendAllText(Path.Combine(_fixtures, last), " ");
        string json = Path.Combine(_directory, "report.json");

        CliResult result = Run("--json", json);

        Assert.Equal(2, result.ExitCode);
        string[] lines = result.Error.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"problem: {last} (case {(string)cases[^1]!["id"]!}): SHA-256 is ", lines[0], StringComparison.Ordinal);
        Assert.Equal($"bnaxis: 1 fixture problem in '{_fixtures}': nothing was run (expected every case to verify, as 'bnaxis fixtures verify' checks)", lines[1]);
        Assert.DoesNotContain("Running", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(json), "a report was written for a run that never started");
    }

    [Fact]
    public void ModifiedManifest_IsRefusedWithoutTheFlag()
    {
        ModifyManifest();

        CliResult result = Run("--filter", "keep.r2.k0.*");

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.Matches($"^bnaxis: the fixtures in '{System.Text.RegularExpressions.Regex.Escape(_fixtures)}' are a modified suite \\(manifest.json SHA-256 [0-9a-f]{{64}} is not one this bnaxis ships\\): expected an official suite, or pass --allow-modified-fixtures to run it anyway$", line);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void ModifiedManifest_RunsWithTheFlagAndAWarning()
    {
        ModifyManifest();

        CliResult result = Run("--filter", "keep.r2.k0.*", "--allow-modified-fixtures");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"bnaxis: warning: the fixtures in '{_fixtures}' are a modified suite (manifest.json SHA-256 ", result.Error, StringComparison.Ordinal);
        Assert.EndsWith("4 passed, 0 failed, 0 skipped\n", result.Output, StringComparison.Ordinal);
    }

    private JsonObject Manifest() => JsonNode.Parse(File.ReadAllText(Path.Combine(_fixtures, "manifest.json")))!.AsObject();

    /// <summary>A change that keeps every case valid but gives the manifest another hash.</summary>
    private void ModifyManifest() => File.AppendAllText(Path.Combine(_fixtures, "manifest.json"), "\n");

    private CliResult Run(params string[] extra) => CliRun.Invoke(["run", "--fixtures", _fixtures, .. extra]);
}
