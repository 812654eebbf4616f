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
        string json = Path.Combine(_directory, "report.json");
        string junit = Path.Combine(_directory, "report.xml");
        string marker = $"BNAXIS_INTERRUPTION_TEST={Guid.NewGuid():N}";
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
            "--harness", FakeHarnesses.Command("hang-on-case"), "--fixtures", FakeHarnesses.Fixtures(), "--filter", Selection,
            "--startup-timeout", "120", "--case-timeout", "600", "--json", json, "--junit", junit])
        {
            start.ArgumentList.Add(argument);
        }

        using var bnaxis = new CapturedProcess(start);
        try
        {
            // The harness answered start: its process group exists, and is what must be gone afterwards.
            Assert.True(bnaxis.WaitForError($"Running {SelectedCount} cases", TimeSpan.FromSeconds(120)), $"the run did not start: {bnaxis.Error}");
            int? group = ProcessTable.WithEnvironment(marker, except: bnaxis.Id).Select(ProcessTable.ProcessGroup).FirstOrDefault(g => g is not null);
            Assert.NotNull(group);
            Assert.NotEqual(ProcessTable.ProcessGroup(bnaxis.Id), group);
            Thread.Sleep(1000); // case 1 passes, case 2 hangs (how many ran is read from the output, not assumed)

            using (Process kill = Process.Start("kill", [$"-{signal}", bnaxis.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                kill.WaitForExit();
            }

            Assert.True(bnaxis.WaitForExit(TimeSpan.FromSeconds(60)), $"bnaxis did not end after {name}");
            Assert.Equal(1, bnaxis.ExitCode);
            string lastLine = bnaxis.Error.TrimEnd('\n').Split('\n')[^1];
            Match interrupted = Regex.Match(lastLine, $"^bnaxis: interrupted by {name} after (\\d+) of {SelectedCount} cases; the reports hold the cases that ran$");
            Assert.True(interrupted.Success, lastLine);
            int ran = int.Parse(interrupted.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.InRange(ran, 0, SelectedCount - 1);

            // No case is blamed for the interruption: every case that ran passed, and the killed one is left out.
            Assert.EndsWith($"{ran} passed, 0 failed, 0 skipped\n", bnaxis.Output, StringComparison.Ordinal);
            Assert.Equal(ran, JsonNode.Parse(File.ReadAllText(json))!["cases"]!.AsArray().Count);
            Assert.Equal(ran, XDocument.Load(junit).Descendants("testcase").Count());
            Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
            Assert.Empty(ProcessTable.WaitUntilGone(group.Value, TimeSpan.FromSeconds(10)));
        }
        finally
        {
            bnaxis.EnsureEnded();
        }
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
