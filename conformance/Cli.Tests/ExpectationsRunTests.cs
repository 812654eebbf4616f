namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// The expectations examples of issue 11 through <c>bnaxis run</c>: a bad file is exit 2 with one line, and no wildcard
/// entry can turn a non-conformant run green.
/// </summary>
public sealed class ExpectationsRunTests : IDisposable
{
    private const string WaivedNotice = "required cases were waived by wildcard entries; a required case can only be waived by its exact id; the run is not conformant";
    private readonly string _directory = Directory.CreateTempSubdirectory("bnaxis-expectations-run-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("""{"expectations":[1]}""", "entry 0 is the number 1: expected an object with id, status and reason (and optionally url)")]
    [InlineData("""{"expectations":[{"id":"keep.*","status":"skip","reason":42}]}""", "entry 0: 'reason' is the number 42: expected a string")]
    [InlineData("""{"expectations":[{"id":"keep.*","status":"skip","reason":"r","id":"*"}]}""", "entry 0: key 'id' appears twice: expected each key once")]
    public void BadExpectationsFile_ExitsWithTwoAndOneLine(string content, string expected)
    {
        string path = Write(content);

        CliResult result = CliRun.Invoke("run", "--impl", "scalar", "--fixtures", FakeHarnesses.Fixtures(), "--expectations", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"bnaxis: expectations file '{path}', {expected}\n", result.Error);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void SkipEverythingWildcard_OnANonConformantImplementation_ExitsWithOne()
    {
        string path = Write("""{"expectations":[{"id":"*","status":"skip","reason":"not today"}]}""");

        CliResult result = RunHarness("variant-UnbiasedMovingVariance", "keep.r2.*", path);

        Assert.Equal(1, result.ExitCode);
        // The fake harness declares float64, so the float64 cases with required features are required of it too.
        Assert.Contains($"\n!!! 8 {WaivedNotice}\n", result.Output, StringComparison.Ordinal);
        Assert.Contains("FAIL keep.r2.k0.train.f32: the wildcard entry '*' (not today) cannot waive a required case, only an entry with its exact id can: counted as failed; not run\n", result.Output, StringComparison.Ordinal);
        Assert.EndsWith("\n0 passed, 8 failed, 4 skipped\n", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void SkipEverythingWildcard_OnTheWholeSuite_IsNotConformantEvenForTheReference()
    {
        string path = Write("""{"expectations":[{"id":"*","status":"skip","reason":"everything"}]}""");

        CliResult result = CliRun.Invoke("run", "--impl", "scalar", "--fixtures", FakeHarnesses.Fixtures(), "--expectations", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"\n!!! [1-9][0-9]* " + WaivedNotice.Replace(".", @"\.", StringComparison.Ordinal) + "\n", result.Output);
        Assert.Matches(@"\n0 passed, [1-9][0-9]* failed, [1-9][0-9]* skipped\n$", result.Output);
    }

    [Fact]
    public void WildcardFailEntry_DoesNotWaiveRequiredCasesThatFail()
    {
        string path = Write("""{"expectations":[{"id":"keep.r2.*.train.*","status":"fail","reason":"unbiased variance"}]}""");

        CliResult result = RunHarness("variant-UnbiasedMovingVariance", "keep.r2.*", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"\n!!! 4 {WaivedNotice}\n", result.Output, StringComparison.Ordinal);
        Assert.Contains("FAIL keep.r2.k1.train.f32: the wildcard entry 'keep.r2.*.train.*' (unbiased variance) cannot waive a required case, only an entry with its exact id can: counted as failed; moving_variance", result.Output, StringComparison.Ordinal);
        Assert.EndsWith("\n6 passed, 4 failed, 2 skipped\n", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ExactIdsForRequiredCasesAndAWildcardForOptionalOnes_AreHonestKnownFailures()
    {
        string path = Write("""
            {"expectations": [
              {"id": "keep.r2.k0.train.f32", "status": "fail", "reason": "unbiased variance"},
              {"id": "keep.r2.k1.train.f32", "status": "fail", "reason": "unbiased variance"},
              {"id": "keep.r2.k0.train.f64", "status": "fail", "reason": "unbiased variance"},
              {"id": "keep.r2.k1.train.f64", "status": "fail", "reason": "unbiased variance"},
              {"id": "keep.r2.*.train.*", "status": "fail", "reason": "unbiased variance (optional cases)"}
            ]}
            """);

        CliResult result = RunHarness("variant-UnbiasedMovingVariance", "keep.r2.*", path);

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("!!!", result.Output, StringComparison.Ordinal);
        Assert.EndsWith("; 0 required cases failed; skipped: 0 unsupported, 6 expected failures\n6 passed, 0 failed, 6 skipped\n", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ExactIdSkipOfARequiredCase_IsNotCountedAsPassed()
    {
        string path = Write("""{"expectations":[{"id":"keep.r2.k0.train.f32","status":"skip","reason":"known wrong, tracked"}]}""");

        CliResult result = CliRun.Invoke("run", "--impl", "scalar", "--fixtures", FakeHarnesses.Fixtures(), "--filter", "keep.r2.k0.*", "--expectations", path);

        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith("\n3 passed, 0 failed, 1 skipped\n", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void WildcardOverOptionalCasesOnly_KeepsAConformantRunGreen()
    {
        string path = Write("""{"expectations":[{"id":"keep.r2.k0-1.*","status":"skip","reason":"no multi-axis keep-sets"}]}""");

        CliResult result = CliRun.Invoke("run", "--impl", "scalar", "--fixtures", FakeHarnesses.Fixtures(), "--filter", "keep.r2.*", "--expectations", path);

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("!!!", result.Output, StringComparison.Ordinal);
        Assert.EndsWith("\n8 passed, 0 failed, 4 skipped\n", result.Output, StringComparison.Ordinal);
    }

    private static CliResult RunHarness(string mode, string filter, string expectations) =>
        CliRun.Invoke("run", "--harness", FakeHarnesses.Command(mode), "--fixtures", FakeHarnesses.Fixtures(), "--startup-timeout", "10", "--case-timeout", "10", "--filter", filter, "--expectations", expectations);

    private string Write(string content)
    {
        string path = Path.Combine(_directory, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, content);
        return path;
    }
}
