using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;

namespace BatchNormAxis.Conformance.Protocol;

/// <summary>
/// One running harness: its command started through <c>sh -c</c> in a session and process group of its own (via
/// <c>setsid</c>), so everything it started can be ended together, also after the harness itself has exited.
/// stdout is read as bytes, line by line, keeping at most a bounded line; stderr is drained continuously into a
/// bounded tail, so a flood on either can neither block the harness nor fill memory. Thread-safe.
/// </summary>
public sealed class HarnessProcess : IDisposable
{
    /// <summary>How much of a harness's stderr is kept (the most recent part), in characters.</summary>
    public const int StderrTailLimit = 64 * 1024;

    /// <summary>How long the harness's group has after SIGTERM before SIGKILL.</summary>
    public static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(2);

    // After the harness exits, how long its last lines may take to arrive (a grandchild may hold stdout open forever).
    private static readonly TimeSpan s_drainAfterExit = TimeSpan.FromMilliseconds(500);

    private readonly Process _process;
    private readonly int? _groupId;
    private readonly BoundedLineReader _stdout;

    // One line waits here at most: a harness printing faster than it is read is held back by the pipe.
    private readonly Channel<ReceivedLine> _lines = Channel.CreateBounded<ReceivedLine>(1);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrRead;
    private readonly Lock _stderrLock = new();
    private readonly Lock _killLock = new();
    private long _stderrDropped;
    private bool _disposed;

    private HarnessProcess(Process process, bool ownGroup, int maxLineBytes)
    {
        _process = process;
        _groupId = ownGroup && OperatingSystem.IsLinux() ? process.Id : null;
        _stdout = new BoundedLineReader(process.StandardOutput.BaseStream, maxLineBytes);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => _exited.TrySetResult();
        if (process.HasExited)
        {
            _exited.TrySetResult();
        }

        _ = Task.Factory.StartNew(ReadStdout, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _stderrRead = Task.Run(ReadStderrAsync);
    }

    /// <summary>The command line, as given.</summary>
    public required string Command { get; init; }

    /// <summary>The id of the harness's process group, or null where it could not have one of its own.</summary>
    public int? GroupId => _groupId;

    /// <summary>The exit code once the process has exited, else null.</summary>
    public int? ExitCode
    {
        get
        {
            lock (_killLock)
            {
                return !_disposed && _process.HasExited ? _process.ExitCode : null;
            }
        }
    }

    /// <summary>Whether the process the command started (not its children) has exited.</summary>
    public bool HasExited => _exited.Task.IsCompleted;

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
    /// <param name="maxLineBytes">The longest stdout line kept; a longer one is read to its end and reported as too long.</param>
    /// <returns>The running harness.</returns>
    /// <exception cref="InvalidOperationException">The shell could not be started.</exception>
    /// <exception cref="System.ComponentModel.Win32Exception">The shell could not be started.</exception>
    public static HarnessProcess Start(string command, int maxLineBytes)
    {
        bool ownGroup = File.Exists("/usr/bin/setsid") || File.Exists("/bin/setsid");
        var start = new ProcessStartInfo(ownGroup ? "setsid" : "sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (ownGroup)
        {
            // The child of a .NET process is not a group leader, so setsid makes it one without forking:
            // its pid is the new process group's id.
            start.ArgumentList.Add("sh");
        }

        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Wrapped(command));
        Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start '{command}'");
        return new HarnessProcess(process, ownGroup, maxLineBytes) { Command = command };
    }

    /// <summary>
    /// The script <c>sh -c</c> runs: the command, with the shell itself holding neither stdin nor stdout while it
    /// waits. A shell that kept its copy of the stdout pipe would hide a harness that closes its stdout (no end of
    /// output would come while the shell lives); dash does not exec the last command, so the copy must be dropped
    /// by hand. An asynchronous command's stdin would be /dev/null, hence the explicit <c>0&lt;&amp;4</c>. The
    /// command stays on lines of its own, so a trailing comment cannot swallow the wrapper.
    /// </summary>
    private static string Wrapped(string command) => $$"""
        exec 3>&1 4<&0 1>/dev/null 0</dev/null
        {
        {{command}}
        } 1>&3 0<&4 3>&- 4<&- &
        exec 3>&- 4<&-
        wait $!
        """;

    /// <summary>Waits a little for the process to exit, so its exit code can be reported.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>Whether it has exited.</returns>
    public bool WaitForExit(TimeSpan timeout) => _exited.Task.Wait(timeout);

    /// <summary>
    /// Waits until stderr reaches its end (every writer closed it), at most <paramref name="timeout"/>: a harness that
    /// has exited may still have its last words in the pipe, and a message quoting its stderr must not race them.
    /// </summary>
    /// <param name="timeout">How long to wait at most; a child that keeps the pipe open costs no more than this.</param>
    /// <returns>True when all of stderr was read.</returns>
    public bool WaitForStderrEnd(TimeSpan timeout) =>
        Task.WhenAny(_stderrRead, Task.Delay(timeout)).GetAwaiter().GetResult() == _stderrRead; // WhenAny never throws

    /// <summary>Sends one line, waiting at most until the harness has read it.</summary>
    /// <param name="line">The JSON message.</param>
    /// <param name="timeout">How long the harness may take to read it (a harness that stops reading fills the pipe).</param>
    /// <param name="abort">Ends the wait early.</param>
    /// <returns>False when the harness no longer reads its stdin.</returns>
    /// <exception cref="TimeoutException">The harness did not read the line in time.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="abort"/> was cancelled.</exception>
    public bool Send(string line, TimeSpan timeout, CancellationToken abort)
    {
        ArgumentNullException.ThrowIfNull(line);
        byte[] bytes = Encoding.UTF8.GetBytes(line + "\n");
        Stream stdin = _process.StandardInput.BaseStream;

        // A pipe write cannot be cancelled: it runs aside, and a kill of the group ends it.
        Task<bool> write = Task.Run(() =>
        {
            try
            {
                stdin.Write(bytes);
                stdin.Flush();
                return true;
            }
            catch (Exception exception) when (exception is IOException or ObjectDisposedException)
            {
                return false;
            }
        });
        try
        {
            return write.WaitAsync(timeout, abort).GetAwaiter().GetResult();
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the harness did not read its input within {timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s");
        }
    }

    /// <summary>Waits for the next stdout line.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="abort">Ends the wait early.</param>
    /// <returns>
    /// The line (which may be too long to have been kept), or null at end of output: the harness closed stdout, or
    /// exited and printed nothing more within half a second.
    /// </returns>
    /// <exception cref="TimeoutException">No line came in time.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="abort"/> was cancelled.</exception>
    public ReceivedLine? ReadLine(TimeSpan timeout, CancellationToken abort)
    {
        if (_lines.Reader.TryRead(out ReceivedLine ready))
        {
            return ready;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(abort);
        Task<bool> available = _lines.Reader.WaitToReadAsync(wait.Token).AsTask();
        try
        {
            Task first = Task.WhenAny(available, _exited.Task).WaitAsync(timeout, abort).GetAwaiter().GetResult();
            if (first == _exited.Task && !available.IsCompleted)
            {
                // Exited: its last lines may still be in the pipe, but a grandchild holding stdout must not make this a timeout.
                Task.WhenAny(available, Task.Delay(s_drainAfterExit, abort)).GetAwaiter().GetResult();
            }

            abort.ThrowIfCancellationRequested();
            return _lines.Reader.TryRead(out ReceivedLine line) ? line : null;
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no answer within {timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s");
        }
        finally
        {
            // The pending wait consumes nothing, so cancelling it loses no line.
            wait.Cancel();
        }
    }

    /// <summary>Asks the harness to stop, then makes sure it has: after a short grace it kills the group.</summary>
    public void Stop()
    {
        try
        {
            Send(ProtocolMessages.Stop(), KillGrace, CancellationToken.None);
            _process.StandardInput.Close();
        }
        catch (Exception exception) when (exception is IOException or TimeoutException or ObjectDisposedException or InvalidOperationException)
        {
            // Not reading any more, or already gone: the kill below ends it.
        }

        WaitForExit(KillGrace);
        Kill();
    }

    /// <summary>
    /// Ends the harness's whole process group, also when the process the command started has already exited and
    /// left children behind: SIGTERM, up to <see cref="KillGrace"/> for the group to end, then SIGKILL. Safe to call
    /// from any thread, more than once.
    /// </summary>
    public void Kill()
    {
        lock (_killLock)
        {
            if (_groupId is int group)
            {
                if (ProcessGroup.Signal(group, ProcessGroup.Terminate) && !ProcessGroup.WaitUntilGone(group, KillGrace))
                {
                    ProcessGroup.Signal(group, ProcessGroup.KillNow);
                    ProcessGroup.WaitUntilGone(group, KillGrace);
                }
            }
            else if (!_disposed)
            {
                try
                {
                    _process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Exited meanwhile.
                }
            }
        }

        WaitForExit(KillGrace);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Kill();
        lock (_killLock)
        {
            if (!_disposed)
            {
                _disposed = true;
                _process.Dispose();
            }
        }
    }

    private void ReadStdout()
    {
        try
        {
            while (_stdout.ReadLine() is { } line)
            {
                // Blocks while the previous line waits to be read: the harness is held back, memory is not spent.
                _lines.Writer.WriteAsync(line).AsTask().GetAwaiter().GetResult();
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
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
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
            // The pipe broke: nothing more to keep.
        }
    }
}
