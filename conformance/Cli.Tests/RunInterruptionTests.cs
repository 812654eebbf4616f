using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// SIGINT or SIGTERM to a real <c>bnaxis run</c> process while its harness hangs: the harness's whole process group
/// ends, the reports of the cases that ran are written, the summary is printed, and the exit code is 1.
/// </summary>
public sealed class RunInterruptionTests : IDisposable
{
    private const string Selection = "keep.r2.*";
    private const int SelectedCount = 12;
    private readonly string _directory = Directory.CreateTempSubdirectory("bnaxis-interrupt-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("INT", "SIGINT")]
    [InlineData("TERM", "SIGTERM")]
    public void Signal_KillsTheHarnessGroupAndWritesTheReportsOfWhatRan(string signal, string name)
    {
        using var bnaxis = StartBnaxis("hang-on-case", out string marker);
        try
        {
            // The harness answered start: its process group exists, and is what must be gone afterwards.
            Assert.True(bnaxis.WaitForError($"Running {SelectedCount} cases", TimeSpan.FromSeconds(120)), $"the run did not start: {bnaxis.Error}");
            int group = HarnessGroup(bnaxis, marker);
            Thread.Sleep(1000); // case 1 passes, case 2 hangs (how many ran is read from the output, not assumed)

            Send(signal, bnaxis);

            Assert.True(bnaxis.WaitForExit(TimeSpan.FromSeconds(60)), $"bnaxis did not end after {name}");
            Assert.Equal(1, bnaxis.ExitCode);
            string lastLine = bnaxis.Error.TrimEnd('\n').Split('\n')[^1];
            Match interrupted = Regex.Match(lastLine, $"^bnaxis: interrupted by {name} after (\\d+) of {SelectedCount} cases; the reports hold the cases that ran$");
            Assert.True(interrupted.Success, lastLine);
            int ran = int.Parse(interrupted.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.InRange(ran, 0, SelectedCount - 1);

            // No case is blamed for the interruption: every case that ran passed, and the killed one is left out.
            Assert.EndsWith($"{ran} passed, 0 failed, 0 skipped\n", bnaxis.Output, StringComparison.Ordinal);
            AssertReportsHold(ran);
            Assert.Empty(ProcessTable.WaitUntilGone(group, TimeSpan.FromSeconds(10)));
        }
        finally
        {
            bnaxis.EnsureEnded();
        }
    }

    [Fact]
    public void SignalWhileTheHarnessStarts_EndsTheStartAndWritesEmptyReports()
    {
        using var bnaxis = StartBnaxis("hang-at-start", out string marker, startupTimeout: 15);
        try
        {
            int group = HarnessGroup(bnaxis, marker);

            Send("TERM", bnaxis);

            Assert.True(bnaxis.WaitForExit(TimeSpan.FromSeconds(60)), "bnaxis did not end after SIGTERM");
            Assert.Equal(1, bnaxis.ExitCode);
            Assert.Equal("bnaxis: interrupted by SIGTERM while the harness was starting; no case ran", bnaxis.Error.TrimEnd('\n').Split('\n')[^1]);
            AssertReportsHold(0);
            Assert.Empty(ProcessTable.WaitUntilGone(group, TimeSpan.FromSeconds(10)));
        }
        finally
        {
            bnaxis.EnsureEnded();
        }
    }

    private string Json => Path.Combine(_directory, "report.json");

    private string JUnit => Path.Combine(_directory, "report.xml");

    private CapturedProcess StartBnaxis(string mode, out string marker, int startupTimeout = 120)
    {
        marker = $"BNAXIS_INTERRUPTION_TEST={Guid.NewGuid():N}";
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { [marker.Split('=')[0]] = marker.Split('=')[1] },
        };
        foreach (string argument in (string[])[
            Path.Combine(AppContext.BaseDirectory, "bnaxis.dll"), "run",
            "--harness", FakeHarnesses.Command(mode), "--fixtures", FakeHarnesses.Fixtures(), "--filter", Selection,
            "--startup-timeout", startupTimeout.ToString(CultureInfo.InvariantCulture), "--case-timeout", "600", "--json", Json, "--junit", JUnit])
        {
            start.ArgumentList.Add(argument);
        }

        return new CapturedProcess(start);
    }

    /// <summary>
    /// The process group of the fake harness bnaxis started (found by the marker it inherits), once it runs. Only the
    /// harness's own process counts: bnaxis's fork before it execs <c>setsid</c>, and <c>setsid</c> before it calls
    /// setsid(), carry the marker too but are still in bnaxis's group.
    /// </summary>
    private static int HarnessGroup(CapturedProcess bnaxis, string marker)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60) && !bnaxis.HasExited)
        {
            int? group = ProcessTable.WithEnvironment(marker, except: bnaxis.Id)
                .Where(pid => ProcessTable.CommandLine(pid) is [_, string program, ..] && program.EndsWith("FakeHarness.dll", StringComparison.Ordinal))
                .Select(ProcessTable.ProcessGroup)
                .FirstOrDefault(g => g is not null);
            if (group is not null)
            {
                Assert.NotEqual(ProcessTable.ProcessGroup(bnaxis.Id), group);
                return group.Value;
            }

            Thread.Sleep(50);
        }

        throw new Xunit.Sdk.XunitException($"no harness process appeared: {bnaxis.Error}");
    }

    private static void Send(string signal, CapturedProcess bnaxis)
    {
        using Process kill = Process.Start("kill", [$"-{signal}", bnaxis.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private void AssertReportsHold(int cases)
    {
        JsonNode report = JsonNode.Parse(File.ReadAllText(Json))!;
        Assert.Equal(cases, report["cases"]!.AsArray().Count);
        Assert.StartsWith("interrupted by SIG", (string)report["incomplete"]!, StringComparison.Ordinal);

        // The JUnit report's own "bnaxis" suite holds a "run completed" testcase with an error when the run was cut short.
        XDocument junit = XDocument.Load(JUnit);
        Assert.Equal(cases, junit.Descendants("testsuite").Where(s => (string?)s.Attribute("name") != "bnaxis").Descendants("testcase").Count());
        XElement completed = Assert.Single(junit.Descendants("testcase"), t => (string?)t.Attribute("name") == "run completed");
        Assert.NotNull(completed.Element("error"));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    /// <summary>A child process whose stdout and stderr are read as they come.</summary>
    private sealed class CapturedProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly StringBuilder _error = new();

        public CapturedProcess(ProcessStartInfo start)
        {
            _process = new Process { StartInfo = start };
            _process.OutputDataReceived += (_, e) => Append(_output, e.Data);
            _process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public int Id => _process.Id;

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.ExitCode;

        public string Output => Read(_output);

        public string Error => Read(_error);

        public bool WaitForError(string text, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (!Error.Contains(text, StringComparison.Ordinal))
            {
                if (clock.Elapsed > timeout || _process.HasExited)
                {
                    return false;
                }

                Thread.Sleep(50);
            }

            return true;
        }

        public bool WaitForExit(TimeSpan timeout)
        {
            if (!_process.WaitForExit(timeout))
            {
                return false;
            }

            _process.WaitForExit(); // the last stdout and stderr lines
            return true;
        }

        public void EnsureEnded()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        public void Dispose() => _process.Dispose();

        private static void Append(StringBuilder text, string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (text)
            {
                text.Append(line).Append('\n');
            }
        }

        private static string Read(StringBuilder text)
        {
            lock (text)
            {
                return text.ToString();
            }
        }
    }
}
