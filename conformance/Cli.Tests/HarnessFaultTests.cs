using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// The harness faults of issue 11 end to end through <c>bnaxis run</c>: each ends with exit 1 or 3, one line on
/// stderr and no stack trace, the JSON report written and parseable, and no process of the harness left.
/// </summary>
public sealed class HarnessFaultTests : IDisposable
{
    private const string OneCase = "keep.r2.k0.train.f32";
    private static readonly string[] s_shortCaseTimeout = ["--case-timeout", "2"];
    private readonly string _directory = Directory.CreateTempSubdirectory("bnaxis-faults-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("{\"seq\":200.0,\"skipped\":{}}", "protocol error: run reply: seq is 200.0: expected an integer from 1 to 2147483647")]
    [InlineData("{\"seq\":1.5,\"skipped\":{}}", "protocol error: run reply: seq is 1.5: expected an integer from 1 to 2147483647")]
    [InlineData("{\"seq\":1e20,\"skipped\":{}}", "protocol error: run reply: seq is 1e20: expected an integer from 1 to 2147483647")]
    [InlineData("{\"seq\":{seq},\"outputs\":{\"y\":{\"dtype\":\"float32\",\"shape\":[null],\"data\":\"\"}}}", "protocol error: run reply: output 'y' shape[0] is null: expected an integer from 0 to 2147483647")]
    [InlineData("{\"seq\":{seq},\"seq\":{seq},\"skipped\":{}}", "protocol error: run reply repeats a key")]
    [InlineData("{\"seq\":{seq},\"outputs\":{\"y\":{\"dtype\":\"float32\",\"shape\":[0],\"data\":\"\"},\"y\":{\"dtype\":\"float32\",\"shape\":[0],\"data\":\"\"}}}", "protocol error: run reply repeats a key")]
    public void MalformedRunReply_IsAProtocolErrorForThatCaseAndTheRunGoesOn(string reply, string expected)
    {
        string script = Script("{correct}", reply);

        (CliResult result, JsonObject report) = RunForReport(FakeHarnesses.Command("scripted") + $" '{script}'", "keep.r2.k0.*");

        Assert.Equal(1, result.ExitCode);
        AssertNoStackTrace(result);
        JsonArray cases = report["cases"]!.AsArray();
        Assert.Equal("crashed", (string)cases[0]!["verdict"]!);
        Assert.StartsWith(expected, (string)cases[0]!["message"]!, StringComparison.Ordinal);
        Assert.All(cases.Skip(1), c => Assert.Equal("passed", (string)c!["verdict"]!));
    }

    [Theory]
    [InlineData("{\"protocol\":1.5,\"implementation\":{\"name\":\"x\"},\"capabilities\":{\"dtypes\":[\"float32\"],\"ranks\":[2],\"features\":[]}}", "start reply: protocol is 1.5: expected an integer from 1 to 1")]
    [InlineData("{\"protocol\":1e30,\"implementation\":{\"name\":\"x\"},\"capabilities\":{\"dtypes\":[\"float32\"],\"ranks\":[2],\"features\":[]}}", "start reply: protocol is 1e30: expected an integer from 1 to 1")]
    [InlineData("{\"protocol\":1,\"implementation\":{\"name\":\"x\"},\"capabilities\":{\"dtypes\":[null],\"ranks\":[2],\"features\":[]}}", "start reply: capabilities.dtypes[0] is null: expected one of float16, bfloat16, float32, float64")]
    [InlineData("{\"protocol\":1,\"implementation\":{\"name\":\"x\"},\"capabilities\":{\"dtypes\":[\"float32\"],\"ranks\":[null],\"features\":[]}}", "start reply: capabilities.ranks[0] is null: expected an integer from 1 to 64")]
    public void MalformedStartReply_IsExitThreeWithOneLine(string start, string expected)
    {
        string command = FakeHarnesses.Command("scripted") + $" '{Script(start)}'";

        CliResult result = Run(command, OneCase);

        Assert.Equal(3, result.ExitCode);
        string line = Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"bnaxis: harness unusable: '{command}' answered start wrongly: {expected}", line, StringComparison.Ordinal);
    }

    [Fact]
    public void HarnessThatStartsAGrandchildAndExits_CrashesAndTheGrandchildIsKilled()
    {
        string pidFile = Path.Combine(_directory, "grandchild.pid");
        var clock = Stopwatch.StartNew();

        (CliResult result, JsonObject report) = RunForReport($"FAKE_CHILD_PID_FILE='{pidFile}' " + FakeHarnesses.Command("grandchild-then-exit"), OneCase, "--case-timeout", "30");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("crashed", (string)report["cases"]![0]!["verdict"]!);
        Assert.StartsWith("the harness exited while running the case (exit code 0)", (string)report["cases"]![0]!["message"]!, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}: waited for the timeout");
        AssertGone(int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture));
    }

    [Fact]
    public void HarnessThatIgnoresSigterm_IsKilledAfterTheGrace()
    {
        string groupFile = Path.Combine(_directory, "group");

        (CliResult result, JsonObject report) = RunForReport($"FAKE_GROUP_FILE='{groupFile}' " + FakeHarnesses.Command("ignore-sigterm"), OneCase);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("timeout", (string)report["cases"]![0]!["verdict"]!);
        AssertGroupGone(int.Parse(File.ReadAllText(groupFile), CultureInfo.InvariantCulture));
    }

    [Fact]
    public void HarnessThatClosesStdout_IsACrashNotATimeout()
    {
        var clock = Stopwatch.StartNew();

        (CliResult result, JsonObject report) = RunForReport(FakeHarnesses.Command("close-stdout"), OneCase, "--case-timeout", "30");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("crashed", (string)report["cases"]![0]!["verdict"]!);
        Assert.Equal("the harness closed its stdout while running the case", (string)report["cases"]![0]!["message"]!);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}: waited for the timeout");
    }

    [Fact]
    public void SecondReplyToACase_IsNotChargedToTheNextCase()
    {
        (CliResult result, JsonObject report) = RunForReport(FakeHarnesses.Command("reply-twice"), "keep.r2.k0.*");

        Assert.Equal(0, result.ExitCode);
        Assert.All(report["cases"]!.AsArray(), c => Assert.Equal("passed", (string)c!["verdict"]!));
        Assert.Contains(report["warnings"]!.AsArray(), w => ((string)w!).StartsWith("case keep.r2.k0.", StringComparison.Ordinal) && ((string)w!).Contains("answered more than once", StringComparison.Ordinal));
    }

    [Fact]
    public void LineOf200MB_IsAProtocolErrorForThatCase()
    {
        (CliResult result, JsonObject report) = RunForReport(FakeHarnesses.Command("huge-line"), OneCase);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"^protocol error: a line of 20\d{7} bytes, longer than the limit of 16777216 bytes$", (string)report["cases"]![0]!["message"]!);
    }

    [Fact]
    public void TwelveHugeTracebacks_AreKeptToTheBound()
    {
        string json = Path.Combine(_directory, "report.json");

        CliResult result = Run(FakeHarnesses.Command("huge-traceback"), ["keep.r2.*"], "--json", json);

        Assert.Equal(1, result.ExitCode);
        JsonArray cases = JsonNode.Parse(File.ReadAllText(json))!["cases"]!.AsArray();
        Assert.Equal(12, cases.Count);
        Assert.All(cases, c => Assert.EndsWith("more characters cut]", (string)c!["message"]!, StringComparison.Ordinal));
        Assert.InRange(new FileInfo(json).Length, 1, 12 * 10_000 + 100_000);
    }

    [Fact]
    public void TwelveTracebacksOf20MB_AreRefusedAsOverlongLines()
    {
        string json = Path.Combine(_directory, "report.json");

        CliResult result = Run("FAKE_SIZE_BYTES=20000000 " + FakeHarnesses.Command("huge-traceback"), ["keep.r2.*"], "--json", json);

        Assert.Equal(1, result.ExitCode);
        Assert.InRange(new FileInfo(json).Length, 1, 100_000);
        Assert.StartsWith("protocol error: a line of 20", (string)JsonNode.Parse(File.ReadAllText(json))!["cases"]![0]!["message"]!, StringComparison.Ordinal);
    }

    private static void AssertNoStackTrace(CliResult result)
    {
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Error, StringComparison.Ordinal);
    }

    private static void AssertGone(int pid)
    {
        var clock = Stopwatch.StartNew();
        while (Alive(pid) && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(50);
        }

        Assert.False(Alive(pid), $"process {pid} survived the run");
    }

    private static void AssertGroupGone(int group)
    {
        var clock = Stopwatch.StartNew();
        while (GroupMembers(group).Any(Alive) && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(50);
        }

        Assert.DoesNotContain(GroupMembers(group), Alive);
    }

    /// <summary>Whether /proc has the process and it is not a zombie.</summary>
    private static bool Alive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static IEnumerable<int> GroupMembers(int group)
    {
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            if (stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2] == group.ToString(CultureInfo.InvariantCulture))
            {
                yield return pid;
            }
        }
    }

    private string Script(params string[] lines)
    {
        string path = Path.Combine(_directory, $"script-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(path, lines);
        return path;
    }

    private (CliResult Result, JsonObject Report) RunForReport(string harness, string filter, params string[] extra)
    {
        string json = Path.Combine(_directory, $"report-{Guid.NewGuid():N}.json");
        CliResult result = Run(harness, [filter], [.. extra, "--json", json]);
        AssertNoStackTrace(result);
        return (result, JsonNode.Parse(File.ReadAllText(json))!.AsObject());
    }

    /// <summary>Runs with a 2 s case timeout unless <paramref name="extra"/> gives one.</summary>
    private static CliResult Run(string harness, string[] filters, params string[] extra) =>
        CliRun.Invoke(["run", "--harness", harness, "--fixtures", FakeHarnesses.Fixtures(), "--startup-timeout", "20", .. extra.Contains("--case-timeout") ? [] : s_shortCaseTimeout, .. filters.SelectMany(f => new[] { "--filter", f }), .. extra]);

    private static CliResult Run(string harness, string filter) => Run(harness, [filter]);
}
