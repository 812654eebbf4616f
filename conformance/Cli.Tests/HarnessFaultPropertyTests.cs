using System.Globalization;
using System.Text.Json.Nodes;
using BatchNormAxis.Conformance;
using BatchNormAxis.Conformance.Protocol;
using BatchNormAxis.Conformance.Tests.Protocol;
using CsCheck;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// A handful of hostile start and run replies end to end through <c>bnaxis run</c> (the many more run in process,
/// in Conformance.Tests): exit 0, 1 or 3, at most one line on stderr and no stack trace, the JSON report written and
/// parseable when the harness started, and no process of the harness's group left.
/// </summary>
public sealed class HarnessFaultPropertyTests : IDisposable
{
    private const string Filter = "keep.r2.k0.*";
    private readonly string _directory = Directory.CreateTempSubdirectory("bnaxis-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void HostileStartReply_EndsCleanly() =>
        HostileJson.Variants(FakeStartReply()).Sample(start => RunScripted(start), iter: 4, threads: 1);

    [Fact]
    public void HostileRunReply_EndsCleanly()
    {
        FixtureCase fixture = FixtureSet.Open(FakeHarnesses.Fixtures()).ReadCaseWithBytes("keep.r2.k0.train.f32").Case;
        string reply = ProtocolMessages.FormatRunReply(1, fixture, CaseExecutor.Execute(fixture, ScalarBatchNorm.Instance));
        HostileJson.Variants(reply).Sample(line => RunScripted("{correct}", line), iter: 6, threads: 1);
    }

    private static string FakeStartReply() => ProtocolMessages.FormatStartReply(HarnessCapabilities.BuiltIn("fake"));

    private void RunScripted(params string[] script)
    {
        string run = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        File.WriteAllLines(run + ".script", script);
        string command = $"FAKE_GROUP_FILE='{run}.group' " + FakeHarnesses.Command("scripted") + $" '{run}.script'";

        CliResult result = CliRun.Invoke("run", "--harness", command, "--fixtures", FakeHarnesses.Fixtures(), "--filter", Filter, "--case-timeout", "5", "--startup-timeout", "20", "--json", run + ".json");

        Assert.InRange(result.ExitCode, 0, 3);
        Assert.NotEqual(2, result.ExitCode);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        if (result.ExitCode == 3)
        {
            Assert.StartsWith("bnaxis: harness unusable: ", Assert.Single(result.Error.TrimEnd('\n').Split('\n')), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(4, JsonNode.Parse(File.ReadAllText(run + ".json"))!["cases"]!.AsArray().Count);
        }

        int group = int.Parse(File.ReadAllText(run + ".group"), CultureInfo.InvariantCulture);
        Assert.True(ProcessGroup.WaitUntilGone(group, TimeSpan.FromSeconds(5)), $"process group {group} outlived the run");
    }
}
