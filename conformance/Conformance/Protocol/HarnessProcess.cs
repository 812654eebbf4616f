using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;

namespace BatchNormAxis.Conformance.Protocol;

/// <summary>
/// One running harness: its command started through <c>sh -c</c> in a session and process group of its own (via
/// <c>setsid</c>), so a timeout can kill everything it started. stdout is read line by line; stderr is drained
/// continuously into a bounded tail, so a flood of stderr can neither block the harness nor fill memory.
/// </summary>
public sealed partial class HarnessProcess : IDisposable
{
    /// <summary>How much of a harness's stderr is kept (the most recent part).</summary>
    public const int StderrTailLimit = 64 * 1024;

    private const int SignalTerminate = 15;
    private const int SignalKill = 9;

    private readonly Process _process;
    private readonly Channel<string?> _lines = Channel.CreateUnbounded<string?>();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _stderrLock = new();
    private readonly bool _ownGroup;
    private long _stderrDropped;

    private HarnessProcess(Process process, bool ownGroup)
    {
        _process = process;
        _ownGroup = ownGroup;
        _ = Task.Run(ReadStdoutAsync);
        _ = Task.Run(ReadStderrAsync);
    }

    /// <summary>The command line, as given.</summary>
    public required string Command { get; init; }

    /// <summary>The exit code once the process has exited, else null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>The last <see cref="StderrTailLimit"/> characters of stderr, with a note of how much was dropped before.</summary>
    public string StderrTail
    {
        get
        {
            lock (_stderrLock)
            {
                return _stderrDropped == 0 ? _stderr.ToString() : $"[{_stderrDropped} earlier characters dropped]\n{_stderr}";
            }
        }
    }

    /// <summary>Starts a harness command.</summary>
    /// <param name="command">A shell command line.</param>
    /// <returns>The running harness.</returns>
    /// <exception cref="InvalidOperationException">The shell could not be started.</exception>
    public static HarnessProcess Start(string command)
    {
        bool ownGroup = File.Exists("/usr/bin/setsid") || File.Exists("/bin/setsid");
        var start = new ProcessStartInfo(ownGroup ? "setsid" : "sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (ownGroup)
        {
            // The child of a .NET process is not a group leader, so setsid makes it one without forking:
            // its pid is the new process group's id.
            start.ArgumentList.Add("sh");
        }

        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start '{command}'");
        process.StandardInput.AutoFlush = true;
        return new HarnessProcess(process, ownGroup) { Command = command };
    }

    /// <summary>Waits a little for the process to exit, so its exit code can be reported.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>Whether it has exited.</returns>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>Sends one line.</summary>
    /// <param name="line">The JSON message.</param>
    /// <returns>False when the harness no longer reads its stdin.</returns>
    public bool Send(string line)
    {
        try
        {
            _process.StandardInput.WriteLine(line);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits for the next stdout line.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The line, or null at end of output (the harness exited or closed stdout).</returns>
    /// <exception cref="TimeoutException">No line came in time.</exception>
    public string? ReadLine(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            return _lines.Reader.ReadAsync(cancellation.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>Asks the harness to stop, then makes sure it has: after a short grace it kills the group.</summary>
    public void Stop()
    {
        Send(ProtocolMessages.Stop());
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Already gone.
        }

        if (!_process.WaitForExit(TimeSpan.FromSeconds(2)))
        {
            Kill();
        }
    }

    /// <summary>Terminates the harness's whole process group: SIGTERM, 2 s of grace, then SIGKILL.</summary>
    public void Kill()
    {
        if (_process.HasExited)
        {
            return;
        }

        Signal(SignalTerminate);
        if (!_process.WaitForExit(TimeSpan.FromSeconds(2)))
        {
            Signal(SignalKill);
            _process.WaitForExit(TimeSpan.FromSeconds(2));
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Signal(int signal)
    {
        if (_ownGroup && OperatingSystem.IsLinux() && NativeMethods.Kill(-_process.Id, signal) == 0)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    private async Task ReadStdoutAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                await _lines.Writer.WriteAsync(line).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The pipe broke: treated as end of output.
        }
        finally
        {
            _lines.Writer.TryComplete();
        }
    }

    private async Task ReadStderrAsync()
    {
        char[] buffer = new char[8192];
        try
        {
            int read;
            while ((read = await _process.StandardError.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                lock (_stderrLock)
                {
                    _stderr.Append(buffer, 0, read);
                    int excess = _stderr.Length - StderrTailLimit;
                    if (excess > 0)
                    {
                        _stderr.Remove(0, excess);
                        _stderrDropped += excess;
                    }
                }
            }
        }
        catch (IOException)
        {
            // The pipe broke: nothing more to keep.
        }
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static partial int Kill(int pid, int signal);
    }
}
