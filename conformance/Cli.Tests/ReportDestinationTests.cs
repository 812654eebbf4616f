using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// Report paths are checked before the first case (a bad one costs no result), checked again when written, and written
/// atomically: a symbolic link, device, FIFO or socket is never replaced or written through, an existing
/// <c>&lt;path&gt;.tmp</c> is never touched, and no temporary file is left behind.
/// </summary>
public sealed class ReportDestinationTests : IDisposable
{
    private const string Selection = "keep.r2.k0.*";
    private readonly string _directory = Directory.CreateTempSubdirectory("bnaxis-reports-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string, string, string> UnwritablePaths => new()
    {
        { "--json", "/nonexistent/dir/r.json", "bnaxis: --json '/nonexistent/dir/r.json' cannot be written: the folder '/nonexistent/dir' does not exist" },
        { "--html", "/proc/x.html", "bnaxis: --html '/proc/x.html' cannot be written: no file can be created in '/proc' (" },
        { "--junit", "/tmp", "bnaxis: --junit '/tmp' is a folder: expected a file name such as report.json" },
        { "--json", "", "bnaxis: --json '' is empty: expected a file name such as report.json" },
        { "--json", "   ", "bnaxis: --json '   ' is empty: expected a file name such as report.json" },
        { "--html", "reports/", "bnaxis: --html 'reports/' names a folder: expected a file name such as report.json" },
        { "--json", "/dev/null", "bnaxis: --json '/dev/null' is a character device, not a regular file: a report never replaces or writes into one (leave the option out to write no report)" },
        { "--junit", "/proc/version/r.xml", "bnaxis: --junit '/proc/version/r.xml' cannot be written: '/proc/version' is not a folder" },
        { "--json", "/nonexistent/bad\u001b[31mname\n.json", "bnaxis: --json '/nonexistent/bad\\u001B[31mname\\n.json' cannot be written" },
    };

    [Theory]
    [MemberData(nameof(UnwritablePaths))]
    public void UnwritablePath_IsRefusedBeforeTheHarnessStarts(string option, string path, string expectedStart)
    {
        string started = Path.Combine(_directory, "harness-started");

        CliResult result = RunMarkingStart(started, option, path);

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith(expectedStart, line, StringComparison.Ordinal);
        Assert.False(File.Exists(started), "the harness was started although a report path was unusable");
        Assert.Empty(result.Output);
    }

    [Fact]
    public void NamedPipe_IsRefusedWithoutOpeningIt()
    {
        // Opening a FIFO for writing blocks until someone reads it: the check must not open it, or the run would hang.
        string fifo = Path.Combine(_directory, "report.json");
        using (Process mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
        }

        var clock = Stopwatch.StartNew();
        CliResult result = RunMarkingStart(Path.Combine(_directory, "started"), "--json", fifo);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"bnaxis: --json '{fifo}' is a FIFO (named pipe), not a regular file: a report never replaces or writes into one (leave the option out to write no report)\n", result.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Socket_IsRefused()
    {
        string path = Path.Combine(_directory, "report.html");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));

        CliResult result = RunMarkingStart(Path.Combine(_directory, "started"), "--html", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is a socket, not a regular file", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void SymbolicLink_IsRefusedAndItsTargetUntouched()
    {
        string victim = WriteVictim("victim.txt");
        string link = Path.Combine(_directory, "report.json");
        File.CreateSymbolicLink(link, victim);

        CliResult result = RunMarkingStart(Path.Combine(_directory, "started"), "--json", link);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"bnaxis: --json '{link}' is a symbolic link: expected a regular file (pass --follow-report-symlinks to write to the file it leads to)\n", result.Error);
        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Equal(victim, new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void SymbolicLink_WhenFollowed_WritesTheFileItLeadsToAndStaysALink()
    {
        string target = WriteVictim("target.json");
        string link = Path.Combine(_directory, "report.json");
        File.CreateSymbolicLink(link, "target.json");

        CliResult result = Run("--json", link, "--follow-report-symlinks");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("target.json", new FileInfo(link).LinkTarget);
        Assert.Equal(4, JsonNode.Parse(File.ReadAllText(target))!["cases"]!.AsArray().Count);
        AssertNoTemporaryFiles();
    }

    [Fact]
    public void SymbolicLinkToADevice_IsRefusedEvenWhenFollowed()
    {
        string link = Path.Combine(_directory, "report.xml");
        File.CreateSymbolicLink(link, "/dev/null");

        CliResult result = Run("--junit", link, "--follow-report-symlinks");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"bnaxis: --junit '{link}' leads to '/dev/null', which is a character device, not a regular file: a report never replaces or writes into one (leave the option out to write no report)\n", result.Error);
    }

    [Fact]
    public void ExistingTmpSymlink_IsNeitherFollowedNorReplaced()
    {
        // The old writer wrote <path>.tmp and followed a link planted there, overwriting another file.
        string victim = WriteVictim("victim.txt");
        string report = Path.Combine(_directory, "report.json");
        File.CreateSymbolicLink(report + ".tmp", victim);

        CliResult result = Run("--json", report);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Equal(victim, new FileInfo(report + ".tmp").LinkTarget);
        Assert.Equal(4, JsonNode.Parse(File.ReadAllText(report))!["cases"]!.AsArray().Count);
    }

    [Fact]
    public void EveryReport_IsWrittenWithNoTemporaryFileLeft_AndAnOldReportIsReplaced()
    {
        string json = Path.Combine(_directory, "r.json");
        File.WriteAllText(json, "an old report, much longer than nothing at all");

        CliResult result = Run("--json", json, "--junit", Path.Combine(_directory, "r.xml"), "--html", Path.Combine(_directory, "r.html"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["r.html", "r.json", "r.xml"], Directory.GetFileSystemEntries(_directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(4, JsonNode.Parse(File.ReadAllText(json))!["cases"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("--json", "--junit")]
    [InlineData("--junit", "--html")]
    [InlineData("--json", "--html")]
    public void OneFileForTwoReports_IsRefused(string first, string second)
    {
        string path = Path.Combine(_directory, "report");

        CliResult result = RunMarkingStart(Path.Combine(_directory, "started"), first, path, second, Path.Combine(_directory, ".", "report"));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"bnaxis: {first} and {second} both write '{path}': expected a different file for each report\n", result.Error);
    }

    [Fact]
    public void TheExpectationsFile_IsNotAReportDestination()
    {
        string expectations = Path.Combine(_directory, "expectations.json");
        File.WriteAllText(expectations, """{"expectations": []}""");

        CliResult result = RunMarkingStart(Path.Combine(_directory, "started"), "--expectations", expectations, "--html", expectations);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"bnaxis: --html '{expectations}' is the --expectations file: expected another file for the report\n", result.Error);
        Assert.Equal("""{"expectations": []}""", File.ReadAllText(expectations));
    }

    [Fact]
    public void SymbolicLinkPlantedDuringTheRun_IsNotReplaced()
    {
        // The path is fine when checked; the harness then plants a link there. The write checks again and refuses.
        string victim = WriteVictim("victim.txt");
        string report = Path.Combine(_directory, "report.json");
        string harness = $"ln -s '{victim}' '{report}' && {FakeHarnesses.Command("correct")}";

        CliResult result = RunHarness(harness, "--json", report, "--html", Path.Combine(_directory, "report.html"));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"bnaxis: --json report not written: '{report}' is a symbolic link: expected a regular file (pass --follow-report-symlinks to write to the file it leads to)", result.Error.TrimEnd('\n').Split('\n')[^1]);
        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.True(File.Exists(Path.Combine(_directory, "report.html")), "the other report was not written");
        Assert.EndsWith("4 passed, 0 failed, 0 skipped\n", result.Output, StringComparison.Ordinal);
        AssertNoTemporaryFiles();
    }

    [Fact]
    public void FollowedLinkRetargetedDuringTheRun_IsNotWrittenThrough()
    {
        string first = WriteVictim("first.json");
        string second = WriteVictim("second.txt");
        string link = Path.Combine(_directory, "report.json");
        File.CreateSymbolicLink(link, first);
        string harness = $"ln -sfn '{second}' '{link}' && {FakeHarnesses.Command("correct")}";

        CliResult result = RunHarness(harness, "--json", link, "--follow-report-symlinks");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"bnaxis: --json report not written: '{link}' now leads to '{second}', not to '{first}' as when the run started", result.Error.TrimEnd('\n').Split('\n')[^1]);
        Assert.Equal("precious", File.ReadAllText(first));
        Assert.Equal("precious", File.ReadAllText(second));
        AssertNoTemporaryFiles();
    }

    [Fact]
    public void FolderRemovedDuringTheRun_CostsThatReportOnly()
    {
        string folder = Path.Combine(_directory, "gone");
        Directory.CreateDirectory(folder);
        string report = Path.Combine(folder, "report.xml");
        string harness = $"rmdir '{folder}' && {FakeHarnesses.Command("correct")}";

        CliResult result = RunHarness(harness, "--junit", report, "--json", Path.Combine(_directory, "report.json"));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"bnaxis: --junit report not written: '{report}' cannot be written: the folder '{folder}' does not exist", result.Error.TrimEnd('\n').Split('\n')[^1]);
        Assert.True(File.Exists(Path.Combine(_directory, "report.json")), "the other report was not written");
    }

    [Fact]
    public void HarnessThatDoesNotStart_StillGetsItsReportsWritten()
    {
        string json = Path.Combine(_directory, "report.json");

        CliResult result = RunHarness(FakeHarnesses.Command("crash-at-start"), "--json", json, "--junit", Path.Combine(_directory, "report.xml"));

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("bnaxis: harness unusable: ", Assert.Single(result.Error.TrimEnd('\n').Split('\n')), StringComparison.Ordinal);
        JsonObject report = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        Assert.Empty(report["cases"]!.AsArray());
        Assert.True(File.Exists(Path.Combine(_directory, "report.xml")));
        AssertNoTemporaryFiles();
    }

    private string WriteVictim(string name)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, "precious");
        return path;
    }

    private void AssertNoTemporaryFiles() =>
        Assert.Empty(Directory.GetFileSystemEntries(_directory, "*.tmp", SearchOption.AllDirectories));

    /// <summary>A run whose harness leaves a file behind if it is ever started.</summary>
    private static CliResult RunMarkingStart(string startedMarker, params string[] extra) =>
        RunHarness($"touch '{startedMarker}' && {FakeHarnesses.Command("correct")}", extra);

    private static CliResult Run(params string[] extra) =>
        CliRun.Invoke(["run", "--fixtures", FakeHarnesses.Fixtures(), "--filter", Selection, .. extra]);

    private static CliResult RunHarness(string harness, params string[] extra) =>
        CliRun.Invoke(["run", "--harness", harness, "--fixtures", FakeHarnesses.Fixtures(), "--startup-timeout", "20", "--case-timeout", "20", "--filter", Selection, .. extra]);
}
