using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace BatchNormAxis.PeerBench;

/// <summary>One measurement of the bandwidth probe: its medians of one read and one copy of its buffer.</summary>
internal sealed record ProbeResult(double ReadMs, double CopyMs, long BufferBytes);

/// <summary>The probe could not run, or printed something other than its one JSON line.</summary>
internal sealed class ProbeFailure(string message) : Exception(message);

/// <summary>
/// The bandwidth probe (scripts/compat/bandwidth_probe.c), kept running as a child process (<c>--serve</c>: its 800 MB
/// filled once) and asked for a measurement right before and right after each cell's timed calls, so that the cell's
/// roofline comes from the memory bandwidth of the same moments: on a shared machine, bandwidth moves by 15 to 45 %
/// from one minute to the next, and a probe at the start of a round can miss the noise that hits the cells
/// (docs/performance.md, "Against the peers"). Disposing ends the child; a child that hangs is killed.
/// </summary>
internal sealed class PairedProbe(string path, int threads, int repetitions) : IDisposable
{
    /// <summary>Long enough for the fill and 1000 repetitions on a slow machine; a probe that takes longer is killed.</summary>
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(5);

    private Process? _process;
    private string _lastError = "no message";

    /// <summary>One measurement: starts the probe on the first call, then asks it for one line.</summary>
    public ProbeResult Measure()
    {
        Process process = _process ??= Start();
        try
        {
            process.StandardInput.WriteLine("measure");
            process.StandardInput.Flush();
        }
        catch (IOException)
        {
            // It has exited: its output ends, and the read below says how.
        }

        Task<string?> line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(s_timeout))
        {
            Stop();
            throw new ProbeFailure($"the probe {path} did not answer within {s_timeout.TotalMinutes:F0} minutes and was stopped");
        }

        if (line.Result is not string answer)
        {
            process.WaitForExit(1000);
            string status = process.HasExited ? $"exited with {process.ExitCode}" : "closed its output";
            throw new ProbeFailure($"the probe {path} {status}: {_lastError}");
        }

        return Parse(answer);
    }

    public void Dispose() => Stop();

    private Process Start()
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(repetitions.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--serve");
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ProbeFailure($"the probe {path} did not start");
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new ProbeFailure($"the probe {path} cannot run: {error.Message}");
        }

        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                _lastError = e.Data.Trim();
            }
        };
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Ends the child: its standard input closed (it then exits), killed if it has not within 10 s.</summary>
    private void Stop()
    {
        if (_process is not Process process)
        {
            return;
        }

        _process = null;
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // It has exited already: nothing to tell it.
        }

        if (!process.WaitForExit(10_000))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }

    /// <summary>The probe's one line, {"tool": "probe", "threads": T, "buffer_bytes": B, "read_ms": R, "copy_ms": C}, checked.</summary>
    private ProbeResult Parse(string line)
    {
        string shown = line.Length > 200 ? line[..200] + "..." : line;
        ProbeResult? result = null;
        try
        {
            using var document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            if (root.GetProperty("threads").GetInt32() == threads)
            {
                result = new ProbeResult(Positive(root, "read_ms"), Positive(root, "copy_ms"), (long)Positive(root, "buffer_bytes"));
            }
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // Reported below, with the line.
        }

        return result ?? throw new ProbeFailure(
            $"the probe {path} printed '{shown}', not its JSON line with read_ms, copy_ms and buffer_bytes (positive) and threads {threads}");
    }

    private static double Positive(JsonElement root, string name)
    {
        double value = root.GetProperty(name).GetDouble();
        return double.IsFinite(value) && value > 0 ? value : throw new FormatException();
    }
}
