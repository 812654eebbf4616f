namespace BatchNormAxis.Cli.Tests;

public class FixturesCommandTests
{
    [Fact]
    public void Verify_CommittedFixtures_SaysOfficialSuiteAndExitsZero()
    {
        CliResult result = CliRun.Invoke("fixtures", "verify", "--fixtures", FakeHarnesses.Fixtures());

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^official suite 0\.4\.0 \(manifest SHA-256 [0-9a-f]{64}\)\n\d+ cases verified in .+: hashes, schemas and consistency all hold\n$", result.Output);
    }

    [Fact]
    public void Verify_TamperedCopy_ListsTheProblemAndExitsOne()
    {
        using var copy = new FixtureCopy();
        File.AppendAllText(copy.Path("cases/frozen/frozen.r4.k3.f32.json"), " ");

        CliResult result = copy.Verify();

        Assert.Equal(1, result.ExitCode);
        string[] lines = result.Output.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("problem: cases/frozen/frozen.r4.k3.f32.json (case frozen.r4.k3.f32): SHA-256 is ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("official suite 0.4.0 ", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("1 problems in ", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_NotAFixtureDirectory_IsAUsageError()
    {
        CliResult result = CliRun.Invoke("fixtures", "verify", "--fixtures", "/nonexistent/place");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("bnaxis: --fixtures '/nonexistent/place' holds no manifest.json: expected a fixture directory such as the repository's fixtures/" + Environment.NewLine, result.Error);
    }
}
