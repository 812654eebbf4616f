using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Json.Schema;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// bnaxis run against the built-in implementation, its own serve command, and harnesses that misbehave on purpose:
/// the run always ends within its timeouts, reports each failure as it is, and writes every report.
/// </summary>
public sealed class RunCommandTests : IDisposable
{
    private const string SmallSelection = "keep.r2.*";
    private readonly string _directory = Directory.CreateTempSubdirectory("bnaxis-run-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("fast")]
    [InlineData("scalar")]
    public void BuiltIn_PassesEveryCase(string implementation)
    {
        CliResult result = CliRun.Invoke("run", "--impl", implementation, "--fixtures", FakeHarnesses.Fixtures());

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"{implementation}: ", result.Output.Split('\n')[^3], StringComparison.Ordinal);
        Assert.Matches(@"\n(\d+) passed, 0 failed, 0 skipped\n$", "\n" + result.Output);
    }

    [Fact]
    public void ServeOverTheProtocol_PassesTheSameCases()
    {
        string serve = FakeHarnesses.Command("correct");
        CliResult result = Run(serve, "keep.r5.*", "backward.*", "sequence.*", "spelling.*", "params.*", "mask.*", "dtype.*");

        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith(" failed, 0 skipped\n", result.Output, StringComparison.Ordinal);
        Assert.Contains("\n0 required cases failed", result.Output.Replace("; 0 required", "\n0 required", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("crash-at-start", "exited before answering start (exit code 1); stderr ends: fake: cannot load my model, giving up")]
    [InlineData("hang-at-start", "did not answer start within 2 s; its process group was killed")]
    [InlineData("garbage-at-start", "answered start wrongly: start reply is not valid JSON: Hello! I am not JSON.")]
    public void UnusableHarness_ExitsWithThreeAndOneLine(string mode, string expected)
    {
        var clock = Stopwatch.StartNew();
        CliResult result = Run(FakeHarnesses.Command(mode), SmallSelection);

        Assert.Equal(3, result.ExitCode);
        string line = Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("bnaxis: harness unusable: ", line, StringComparison.Ordinal);
        Assert.EndsWith(expected, line, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public void CrashMidRun_FailsThatCaseRestartsAndGoesOn()
    {
        JsonObject report = RunForReport("crash-mid-run", SmallSelection);

        // Each fresh harness process crashes on its third case: cases 3, 6, 9 and 12 crash, every other one passes.
        JsonArray cases = report["cases"]!.AsArray();
        JsonNode crashed = cases[2]!;
        Assert.Equal("crashed", (string)crashed["verdict"]!);
        Assert.Contains("exit code 139", (string)crashed["message"]!, StringComparison.Ordinal);
        Assert.Contains("segmentation fault (pretend)", (string)crashed["message"]!, StringComparison.Ordinal);
        for (int i = 0; i < cases.Count; i++)
        {
            Assert.Equal(i % 3 == 2 ? "crashed" : "passed", (string)cases[i]!["verdict"]!);
        }

        Assert.Null(report["harness_unstable"]);
    }

    [Fact]
    public void HangOnOneCase_TimesOutThatCaseOnly()
    {
        // Each fresh harness process hangs on its second case: cases 2 and 4 time out, 1 and 3 pass.
        var clock = Stopwatch.StartNew();
        JsonObject report = RunForReport("hang-on-case", "keep.r2.k0.*");

        JsonArray cases = report["cases"]!.AsArray();
        Assert.Equal(["passed", "timeout", "passed", "timeout"], cases.Select(c => (string)c!["verdict"]!));
        Assert.Equal("no answer within 2 s; the harness's process group was killed", (string)cases[1]!["message"]!);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Timeout_KillsTheWholeProcessGroup()
    {
        string pidFile = Path.Combine(_directory, "child.pid");
        Environment.SetEnvironmentVariable("FAKE_CHILD_PID_FILE", pidFile);
        try
        {
            JsonObject report = RunForReport("hang-with-child", "keep.r2.k0.train.f32");

            Assert.Equal("timeout", (string)report["cases"]![0]!["verdict"]!);
            int child = int.Parse(File.ReadAllText(pidFile), System.Globalization.CultureInfo.InvariantCulture);
            var deadline = Stopwatch.StartNew();
            while (File.Exists($"/proc/{child}/stat") && !File.ReadAllText($"/proc/{child}/stat").Contains(") Z ", StringComparison.Ordinal) && deadline.Elapsed < TimeSpan.FromSeconds(5))
            {
                Thread.Sleep(100);
            }

            Assert.False(File.Exists($"/proc/{child}/stat") && !File.ReadAllText($"/proc/{child}/stat").Contains(") Z ", StringComparison.Ordinal), $"the harness's child {child} survived the timeout");
        }
        finally
        {
            Environment.SetEnvironmentVariable("FAKE_CHILD_PID_FILE", null);
        }
    }

    [Fact]
    public void Garbage_IsAProtocolErrorAndTheHarnessIsGivenUpOn()
    {
        JsonObject report = RunForReport("garbage", SmallSelection);

        JsonArray cases = report["cases"]!.AsArray();
        Assert.All(cases.Take(3), c => Assert.StartsWith("protocol error: run reply is not valid JSON", (string)c!["message"]!, StringComparison.Ordinal));
        Assert.All(cases.Skip(3), c => Assert.Equal("not_run", (string)c!["verdict"]!));
        Assert.Equal("3 failures in a row", (string)report["harness_unstable"]!);
    }

    [Fact]
    public void WrongSequenceNumber_IsAProtocolError()
    {
        JsonObject report = RunForReport("wrong-seq", "keep.r2.k0.train.f32");

        Assert.StartsWith("protocol error: run reply has seq 2: expected 1", (string)report["cases"]![0]!["message"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void StderrFlood_NeitherBlocksNorFillsTheReport()
    {
        JsonObject report = RunForReport("flood-stderr", SmallSelection);

        Assert.Equal(0, (int)report["summary"]!["failed"]!);
        string stderr = (string)report["stderr"]!;
        Assert.InRange(stderr.Length, 1, 70 * 1024);
        Assert.Contains("earlier", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongShape_FailsWithTheExpectedCount()
    {
        JsonObject report = RunForReport("wrong-shape", "keep.r2.k0.train.f32");

        Assert.Equal("protocol error: output 'y' has shape (5, 3) but 14 values", (string)report["cases"]![0]!["message"]!);
    }

    [Fact]
    public void NaNEverywhere_Fails()
    {
        JsonObject report = RunForReport("nan", SmallSelection);

        Assert.Equal((int)report["summary"]!["failed"]!, report["cases"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("PyTorchMomentum", "pytorch_momentum")]
    [InlineData("UnbiasedMovingVariance", "unbiased_moving_variance")]
    [InlineData("InvertedAxisMeaning", "inverted_axis_meaning")]
    [InlineData("ChannelAsLastAxis", "channel_as_last_axis")]
    [InlineData("EpsilonOutsideRoot", "epsilon_outside_root")]
    [InlineData("GammaBetaSwapped", "gamma_beta_swapped")]
    [InlineData("MovingStatisticsSwapped", "moving_statistics_swapped")]
    [InlineData("AxisFromWrongEnd", "axis_from_wrong_end")]
    [InlineData("MovingStatisticsNotUpdated", "moving_statistics_not_updated")]
    [InlineData("Float32Hyperparameters", "float32_hyperparameters")]
    [InlineData("Float64ComputedInFloat32", "float64_computed_in_float32")]
    public void KnownWrongVariant_IsDiagnosed(string variant, string convention) => AssertDiagnosed(variant, convention, "keep.r4.*");

    [Fact]
    public void FrozenIgnored_IsDiagnosed() => AssertDiagnosed("FrozenIgnored", "frozen_ignored", "frozen.*");

    [Fact]
    public void SinglePassVariance_IsDiagnosedOnLargeOffsetData() => AssertDiagnosed("SinglePassVariance", "single_pass_variance", "data.large-offset.*");

    private void AssertDiagnosed(string variant, string convention, string filter)
    {
        JsonObject report = RunForReport($"variant-{variant}", filter);

        List<JsonNode> failed = [.. report["cases"]!.AsArray().Where(c => (string)c!["outcome"]! == "failed").Select(c => c!)];
        Assert.NotEmpty(failed);
        Assert.All(failed, c => Assert.Contains(c!["diagnosis"]!.AsArray(), d => (string)d!["convention"]! == convention));
    }

    [Fact]
    public void UnsupportedOptionalCases_AreSkippedNotFailed()
    {
        JsonObject report = RunForReport("no-backward", "backward.r2.*", SmallSelection);

        JsonArray cases = report["cases"]!.AsArray();
        Assert.All(cases.Where(c => ((string)c!["id"]!).StartsWith("backward.", StringComparison.Ordinal)), c => Assert.Equal("unsupported", (string)c!["verdict"]!));
        Assert.Equal(0, (int)report["summary"]!["failed"]!);
    }

    [Fact]
    public void Expectations_TurnKnownFailuresIntoSkipsAndReportUnexpectedPassesAndStaleEntries()
    {
        string expectations = Path.Combine(_directory, "expectations.json");
        File.WriteAllText(expectations, """
            {"expectations": [
              {"id": "keep.r2.k0.train.f32", "status": "fail", "reason": "PyTorch momentum", "url": "https://example.org/issue/1"},
              {"id": "keep.r2.k1.train.f32", "status": "fail", "reason": "PyTorch momentum", "url": "https://example.org/issue/1"},
              {"id": "keep.r2.k0.train.f64", "status": "fail", "reason": "PyTorch momentum (required: the harness declares float64)", "url": "https://example.org/issue/1"},
              {"id": "keep.r2.k1.train.f64", "status": "fail", "reason": "PyTorch momentum (required: the harness declares float64)", "url": "https://example.org/issue/1"},
              {"id": "keep.r2.*.train.*", "status": "fail", "reason": "PyTorch momentum (optional cases: a wildcard cannot waive a required one)", "url": "https://example.org/issue/1"},
              {"id": "keep.r2.k0.infer.f32", "status": "fail", "reason": "wrongly believed broken"},
              {"id": "keep.r9.*", "status": "skip", "reason": "no such rank"}
            ]}
            """);

        CliResult result = Run(FakeHarnesses.Command("variant-PyTorchMomentum"), [SmallSelection], "--expectations", expectations);

        Assert.Equal(1, result.ExitCode); // the unexpected pass
        Assert.Contains("FAIL keep.r2.k0.infer.f32: passed unexpectedly: the expectation says it fails (wrongly believed broken); remove the entry", result.Output, StringComparison.Ordinal);
        Assert.Contains("warning: stale expectation 'keep.r9.*' matches no case of this suite (no such rank)", result.Output, StringComparison.Ordinal);
        Assert.EndsWith("5 passed, 1 failed, 6 skipped\n", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_JsonValidatesJUnitParsesHtmlIsSelfContainedAndEscaped()
    {
        string json = Path.Combine(_directory, "report.json");
        string junit = Path.Combine(_directory, "report.xml");
        string html = Path.Combine(_directory, "report.html");

        CliResult result = Run(FakeHarnesses.Command("html-injection"), [SmallSelection], "--json", json, "--junit", junit, "--html", html);

        Assert.Equal(1, result.ExitCode); // the 4 required float32 cases the harness skips count as failures
        JsonSchema schema = JsonSchema.FromText(File.ReadAllText(FakeHarnesses.Protocol("report.schema.json")), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
        EvaluationResults validation = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(validation.IsValid, string.Join("; ", (validation.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));

        XDocument xml = XDocument.Load(junit);
        Assert.Equal(12, xml.Descendants("testcase").Count());
        Assert.Equal("4", xml.Root!.Attribute("failures")!.Value);
        Assert.Equal("8", xml.Root!.Attribute("skipped")!.Value);

        string page = File.ReadAllText(html);
        Assert.Contains("fake &lt;img src=x onerror=alert(1)&gt;", page, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", page, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;stderr&lt;/i&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=\"http", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=", page, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(new[] { "run", "--filter", "nothing.matches.*" }, "bnaxis: --filter 'nothing.matches.*' matches no case id: expected an id or a glob such as keep.r4.* (see fixtures/manifest.json)")]
    [InlineData(new[] { "run", "--impl", "quick" }, "bnaxis: --impl 'quick' is unknown: expected fast or scalar")]
    [InlineData(new[] { "run", "--impl", "scalar", "--harness", "x" }, "bnaxis: give --impl or --harness, not both")]
    [InlineData(new[] { "run", "--case-timeout", "0" }, "bnaxis: --case-timeout 0 is not usable: expected a positive number of seconds")]
    [InlineData(new[] { "run", "--expectations", "/nonexistent.json" }, "bnaxis: expectations file '/nonexistent.json' not found")]
    public void BadRunArguments_AreUsageErrors(string[] args, string message)
    {
        CliResult result = CliRun.Invoke([.. args, "--fixtures", FakeHarnesses.Fixtures()]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message + Environment.NewLine, result.Error);
    }

    private JsonObject RunForReport(string mode, params string[] filters)
    {
        string json = Path.Combine(_directory, $"{mode}.json");
        Run(FakeHarnesses.Command(mode), filters, "--json", json);
        return JsonNode.Parse(File.ReadAllText(json))!.AsObject();
    }

    private static CliResult Run(string harness, params string[] filters) => Run(harness, filters, []);

    private static CliResult Run(string harness, string[] filters, params string[] extra) =>
        CliRun.Invoke(["run", "--harness", harness, "--fixtures", FakeHarnesses.Fixtures(), "--startup-timeout", "2", "--case-timeout", "2", .. filters.SelectMany(f => new[] { "--filter", f }), .. extra]);
}
