namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// Every argument of <c>bnaxis run</c> is bounded: a value out of range is one line and exit 2 before anything runs,
/// never accepted and then a crash or a run that never ends.
/// </summary>
public sealed class RunArgumentBoundsTests
{
    [Theory]
    [InlineData("--case-timeout", "1e7", "bnaxis: --case-timeout 10000000 is not usable: expected at most 3600 seconds")]
    [InlineData("--case-timeout", "1e308", "bnaxis: --case-timeout 1E+308 is not usable: expected at most 3600 seconds")]
    [InlineData("--case-timeout", "3600.5", "bnaxis: --case-timeout 3600.5 is not usable: expected at most 3600 seconds")]
    [InlineData("--case-timeout", "1e-300", "bnaxis: --case-timeout 1E-300 is not usable: expected at least 0.01 seconds")]
    [InlineData("--case-timeout", "0.009", "bnaxis: --case-timeout 0.009 is not usable: expected at least 0.01 seconds")]
    [InlineData("--case-timeout", "-1", "bnaxis: --case-timeout -1 is not usable: expected a positive number of seconds")]
    [InlineData("--case-timeout", "NaN", "bnaxis: --case-timeout NaN is not usable: expected a positive number of seconds")]
    [InlineData("--case-timeout", "Infinity", "bnaxis: --case-timeout Infinity is not usable: expected at most 3600 seconds")]
    [InlineData("--startup-timeout", "1e10", "bnaxis: --startup-timeout 10000000000 is not usable: expected at most 3600 seconds")]
    [InlineData("--startup-timeout", "0", "bnaxis: --startup-timeout 0 is not usable: expected a positive number of seconds")]
    [InlineData("--startup-timeout", "1e-300", "bnaxis: --startup-timeout 1E-300 is not usable: expected at least 0.01 seconds")]
    public void TimeoutOutOfRange_IsAUsageError(string option, string value, string message) =>
        AssertRefused(["--harness", "true", option, value], message);

    [Theory]
    [InlineData("0.01")]
    [InlineData("3600")]
    public void TimeoutAtTheLimits_IsAccepted(string value)
    {
        CliResult result = CliRun.Invoke("run", "--fixtures", FakeHarnesses.Fixtures(), "--filter", "keep.r2.k0.train.f32", "--case-timeout", value, "--startup-timeout", value);

        Assert.Equal(0, result.ExitCode);
    }

    [Theory]
    [InlineData(new[] { "--harness", "" }, "bnaxis: --harness '' is empty: expected the shell command that starts your harness")]
    [InlineData(new[] { "--harness", "  " }, "bnaxis: --harness '  ' is empty: expected the shell command that starts your harness")]
    [InlineData(new[] { "--impl", "quick" }, "bnaxis: --impl 'quick' is unknown: expected fast or scalar")]
    [InlineData(new[] { "--impl", "" }, "bnaxis: --impl '' is unknown: expected fast or scalar")]
    [InlineData(new[] { "--filter", "" }, "bnaxis: --filter '' is empty: expected an id or a glob such as keep.r4.*")]
    [InlineData(new[] { "--filter", "," }, "bnaxis: --filter ',' is empty: expected an id or a glob such as keep.r4.*")]
    [InlineData(new[] { "--filter", "keep.\u001b[2J*" }, "bnaxis: --filter 'keep.\\u001B[2J*' matches no case id: expected an id or a glob such as keep.r4.* (see fixtures/manifest.json)")]
    public void BadValue_IsAUsageError(string[] args, string message) => AssertRefused(args, message);

    [Theory]
    [InlineData("0", "bnaxis: --max-line-bytes 0 is not usable: expected 1024 to 1073741824 bytes")]
    [InlineData("1023", "bnaxis: --max-line-bytes 1023 is not usable: expected 1024 to 1073741824 bytes")]
    [InlineData("1073741825", "bnaxis: --max-line-bytes 1073741825 is not usable: expected 1024 to 1073741824 bytes")]
    [InlineData("-5", "bnaxis: --max-line-bytes -5 is not usable: expected 1024 to 1073741824 bytes")]
    public void LineLimitOutOfRange_IsAUsageError(string value, string message) =>
        AssertRefused(["--harness", "true", "--max-line-bytes", value], message);

    [Fact]
    public void LineLimit_BelowTheReplySize_MakesEachReplyAProtocolError()
    {
        // This case's reply is tens of kilobytes of base64: with a 1 KiB limit each one is refused, never truncated and graded.
        CliResult result = CliRun.Invoke("run", "--fixtures", FakeHarnesses.Fixtures(), "--harness", FakeHarnesses.Command("correct"), "--filter", "keep.r5.k0-1-2-3-4.train.f64", "--max-line-bytes", "1024");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("longer than the limit of 1024 bytes", result.Output, StringComparison.Ordinal);
        Assert.EndsWith("0 passed, 1 failed, 0 skipped\n", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownImplementation_IsRefusedBeforeAnyReportPathIsTouched()
    {
        // Argument errors come first: the report path below would also be refused, but the --impl line is the one shown.
        AssertRefused(["--impl", "quick", "--json", "/nonexistent/r.json"], "bnaxis: --impl 'quick' is unknown: expected fast or scalar");
    }

    private static void AssertRefused(string[] args, string message)
    {
        CliResult result = CliRun.Invoke(["run", "--fixtures", FakeHarnesses.Fixtures(), .. args]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message + "\n", result.Error);
        Assert.Empty(result.Output);
    }
}
