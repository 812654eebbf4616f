using System.Diagnostics;
using System.Text.Json;
using BatchNormAxis.Conformance;
using BatchNormAxis.Conformance.Diagnosis;
using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// bnaxis diagnose: one answer to one case, graded, and the known convention failing outputs match named; hostile
/// input is one line and exit 2.
/// </summary>
public sealed class DiagnoseCommandTests : IDisposable
{
    private const string TrainingCase = "keep.r4.k1.train.f32";
    private readonly string _directory = Directory.CreateTempSubdirectory("bnaxis-diagnose-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>The reply a harness computing the case with the given implementation would print.</summary>
    private static string Reply(string id, IBatchNormalization implementation, int seq = 1)
    {
        FixtureCase fixture = FixtureSet.Open(FakeHarnesses.Fixtures()).ReadCase(id);
        return ProtocolMessages.FormatRunReply(seq, fixture, CaseExecutor.Execute(fixture, implementation));
    }

    private string File(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private static CliResult Diagnose(string id, string replyPath, params string[] more) =>
        CliRun.Invoke(["diagnose", id, "--reply", replyPath, "--fixtures", FakeHarnesses.Fixtures(), .. more]);

    [Theory]
    [InlineData(WrongConvention.UnbiasedMovingVariance, "unbiased_moving_variance")]
    [InlineData(WrongConvention.EpsilonOutsideRoot, "epsilon_outside_root")]
    [InlineData(WrongConvention.PyTorchMomentum, "pytorch_momentum")]
    public void Diagnose_NamesTheConventionAWrongAnswerFollows(WrongConvention convention, string name)
    {
        string reply = File("reply.json", Reply(TrainingCase, new ConventionVariant(convention)));

        CliResult result = Diagnose(TrainingCase, reply);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Error);
        string[] lines = result.Output.TrimEnd('\n').Split('\n');
        Assert.StartsWith($"{TrainingCase}: failed: ", lines[0], StringComparison.Ordinal);
        Assert.Equal($"diagnosis: {name}: ", lines[1][..($"diagnosis: {name}: ".Length)]);
    }

    [Fact]
    public void Diagnose_Json_GivesTheVerdictAndEachConvention()
    {
        string reply = File("reply.json", Reply(TrainingCase, new ConventionVariant(WrongConvention.UnbiasedMovingVariance)));

        CliResult result = Diagnose(TrainingCase, reply, "--json");

        Assert.Equal(1, result.ExitCode);
        using JsonDocument report = JsonDocument.Parse(result.Output);
        Assert.Equal(TrainingCase, report.RootElement.GetProperty("id").GetString());
        Assert.Equal("failed", report.RootElement.GetProperty("verdict").GetString());
        Assert.StartsWith("moving_variance[", report.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        JsonElement finding = Assert.Single(report.RootElement.GetProperty("diagnosis").EnumerateArray());
        Assert.Equal("unbiased_moving_variance", finding.GetProperty("convention").GetString());
    }

    [Fact]
    public void Diagnose_ARightAnswerPassesWithExitZero_WhateverItsSeq()
    {
        string reply = File("reply.json", Reply(TrainingCase, ScalarBatchNorm.Instance, seq: 41));

        CliResult result = Diagnose(TrainingCase, reply);

        Assert.Equal(new CliResult(0, $"{TrainingCase}: passed\n", ""), result);
    }

    [Fact]
    public void Diagnose_AWrongRejectionFailsWithoutADiagnosisLine()
    {
        string reply = File("reply.json", """{"seq": 1, "rejected": {"category": "rank_zero", "message": "no"}}""");

        CliResult result = Diagnose(TrainingCase, reply);

        Assert.Equal(new CliResult(1, $"{TrainingCase}: failed: rejected a valid case as rank_zero: no\n", ""), result);
    }

    [Fact]
    public async Task Diagnose_ReadsTheReplyFromStandardInput()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "bnaxis.dll"), "diagnose", TrainingCase, "--fixtures", FakeHarnesses.Fixtures() })
        {
            start.ArgumentList.Add(arg);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        using Process process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(Reply(TrainingCase, new ConventionVariant(WrongConvention.EpsilonOutsideRoot)) + "\n");
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, process.ExitCode);
        Assert.Empty(await error);
        Assert.Contains("\ndiagnosis: epsilon_outside_root: ", await output, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> HostileReplies => new()
    {
        { "not JSON", "{\"seq\": 1, \"outputs\": ", "the reply for keep.r4.k1.train.f32: " },
        { "an error reply", "{\"error\": {\"message\": \"no\"}}", "is an error reply (no)" },
        { "two kinds of answer", "{\"seq\": 1, \"outputs\": {}, \"skipped\": {}}", "has both 'outputs' and 'skipped'" },
        { "steps for a forward case", "{\"seq\": 1, \"steps\": []}", "answers with 'steps' a case that is not a sequence" },
        { "another dtype", "{\"seq\": 1, \"outputs\": {\"y\": {\"dtype\": \"float64\", \"shape\": [1], \"data\": \"AAAAAAAA8D8=\"}}}", "output 'y' has dtype 'float64': expected float32" },
        { "a shape its data does not fill", "{\"seq\": 1, \"outputs\": {\"y\": {\"dtype\": \"float32\", \"shape\": [3, 5], \"data\": \"AACAPw==\"}}}", "output 'y' has shape (3, 5) but 1 values" },
        { "a seq of 0", "{\"seq\": 0, \"skipped\": {}}", "seq" },
        { "an array", "[1, 2]", "the reply for keep.r4.k1.train.f32: " },
    };

    [Theory]
    [MemberData(nameof(HostileReplies))]
    public void Diagnose_AHostileReplyIsOneLineAndExitTwo(string what, string reply, string expected)
    {
        CliResult result = Diagnose(TrainingCase, File("reply.json", reply));

        CliAssert.UsageError(result);
        Assert.True(result.Error.Contains(expected, StringComparison.Ordinal), $"{what}: {result.Error}");
    }

    [Fact]
    public void Diagnose_AnUnknownCaseIsOneLineAndExitTwo()
    {
        CliResult result = Diagnose("no.such.case", File("reply.json", "{\"seq\": 1, \"skipped\": {}}"));

        CliAssert.UsageError(result);
        Assert.StartsWith("bnaxis: case 'no.such.case' is not in ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_AMissingEmptyOrOversizedReplyFileIsOneLineAndExitTwo()
    {
        CliAssert.UsageError(Diagnose(TrainingCase, Path.Combine(_directory, "absent.json")));
        CliAssert.UsageError(Diagnose(TrainingCase, _directory));
        CliResult empty = Diagnose(TrainingCase, File("empty.json", ""));
        CliAssert.UsageError(empty);
        Assert.Contains("is empty: expected one run reply", empty.Error, StringComparison.Ordinal);

        string large = Path.Combine(_directory, "large.json");
        using (FileStream stream = System.IO.File.Create(large))
        {
            stream.SetLength(Conformance.Running.HarnessLimits.DefaultMaxLineBytes + 1L);
        }

        CliResult oversized = Diagnose(TrainingCase, large);
        CliAssert.UsageError(oversized);
        Assert.Contains("holds more than 16777216 bytes", oversized.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_Help_SaysWhatItReadsAndItsExitCodes()
    {
        CliResult result = CliRun.Invoke("diagnose", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--reply", result.Output, StringComparison.Ordinal);
        Assert.Contains("0 the answer passes, 1 it does not", result.Output, StringComparison.Ordinal);
    }
}
