using System.Diagnostics;
using System.Globalization;
using System.Text;
using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Conformance.Running;

/// <summary>
/// Runs cases through a harness process speaking the protocol (docs/protocol.md). A crash, a timeout, a closed
/// stdout or a protocol error fails that case, kills the harness's process group and restarts it; after
/// <see cref="HarnessLimits.MaxConsecutiveFailures"/> failures in a row, or <see cref="HarnessLimits.MaxRestarts"/>
/// restarts, every remaining case is not run and the harness is reported unstable. A second answer to an earlier case
/// is set aside with a warning, never charged to the case awaited.
/// </summary>
public sealed class HarnessDriver : ICaseDriver
{
    /// <summary>Answers to earlier cases tolerated while one case is awaited; more is a protocol error.</summary>
    public const int MaxEarlierAnswersPerCase = 8;

    // Warnings kept word for word; the rest are counted.
    private const int MaxWarnings = 20;

    // Case ids remembered by seq, to name the case a late second answer belongs to.
    private const int RememberedCases = 64;

    private readonly string _command;
    private readonly HarnessLimits _limits;
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _lock = new();
    private readonly StringBuilder _earlierStderr = new();
    private readonly Dictionary<int, string> _caseOfSeq = [];
    private readonly List<string> _warnings = [];
    private int _warningsDropped;
    private HarnessProcess? _process;
    private int _seq;
    private int _consecutiveFailures;
    private int _restarts;
    private string? _unstableReason;

    private HarnessDriver(string command, HarnessLimits limits, HarnessProcess process, HarnessCapabilities capabilities)
    {
        _command = command;
        _limits = limits;
        _process = process;
        Capabilities = capabilities;
    }

    /// <inheritdoc/>
    public HarnessCapabilities Capabilities { get; }

    /// <inheritdoc/>
    public string? UnstableReason
    {
        get
        {
            lock (_lock)
            {
                return _unstableReason;
            }
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (_lock)
            {
                return _warningsDropped == 0 ? [.. _warnings] : [.. _warnings, $"{_warningsDropped} more warnings like these were left out"];
            }
        }
    }

    /// <inheritdoc/>
    public string StderrTail
    {
        get
        {
            HarnessProcess? process;
            lock (_lock)
            {
                process = _process;
            }

            string all = _earlierStderr + (process?.StderrTail ?? "");
            return all.Length <= HarnessProcess.StderrTailLimit ? all : "[earlier stderr dropped]\n" + all[^HarnessProcess.StderrTailLimit..];
        }
    }

    /// <summary>Starts the harness and performs the start handshake.</summary>
    /// <param name="command">The shell command that runs the harness.</param>
    /// <param name="limits">Timeouts, restart bounds and the longest line.</param>
    /// <returns>The driver.</returns>
    /// <exception cref="HarnessUnusableException">The harness does not start or answers <c>start</c> wrongly.</exception>
    public static HarnessDriver Start(string command, HarnessLimits limits) => Start(command, limits, CancellationToken.None);

    /// <summary>Starts the harness and performs the start handshake, unless cancelled (e.g. by SIGINT) meanwhile.</summary>
    /// <param name="command">The shell command that runs the harness.</param>
    /// <param name="limits">Timeouts, restart bounds and the longest line.</param>
    /// <param name="abort">Cancelling it ends the handshake at once; the harness's process group is killed.</param>
    /// <returns>The driver.</returns>
    /// <exception cref="HarnessUnusableException">The harness does not start or answers <c>start</c> wrongly.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="abort"/> was cancelled; no process of the harness is left.</exception>
    public static HarnessDriver Start(string command, HarnessLimits limits, CancellationToken abort)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(limits);
        (HarnessProcess process, HarnessCapabilities capabilities) = Launch(command, limits, abort);
        return new HarnessDriver(command, limits, process, capabilities);
    }

    /// <inheritdoc/>
    public DriverAnswer Run(FixtureCase fixture, byte[] caseFile)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        ArgumentNullException.ThrowIfNull(caseFile);
        if (_abort.IsCancellationRequested)
        {
            return Interrupted();
        }

        if (UnstableReason is { } reason)
        {
            return new DriverAnswer(null, CaseVerdict.NotRun, $"not run: the harness is unstable ({reason})");
        }

        try
        {
            return RunCase(fixture, caseFile);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            EndProcess();
            return Interrupted();
        }
#pragma warning disable CA1031 // Whatever goes wrong with one case is that case's verdict, never the end of the run.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return Failed(CaseVerdict.Errored, $"bnaxis could not run the case ({exception.GetType().Name}: {HarnessText.Quote(exception.Message)}); the harness was restarted");
        }
    }

    /// <inheritdoc/>
    public void Abort()
    {
        HarnessProcess? process;
        lock (_lock)
        {
            _unstableReason ??= "the run was interrupted";
            process = _process;
        }

        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed: nothing runs any more.
        }

        process?.Kill();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        HarnessProcess? process;
        lock (_lock)
        {
            process = _process;
            _process = null;
        }

        process?.Stop();
        process?.Dispose();
    }

    private DriverAnswer RunCase(FixtureCase fixture, byte[] caseFile)
    {
        HarnessProcess? process = CurrentOrRestarted(out string? restartFailure);
        if (process is null)
        {
            return Failed(CaseVerdict.NotRun, $"not run: the harness did not restart ({restartFailure})");
        }

        int seq = ++_seq;
        Remember(seq, fixture.Id);
        var clock = Stopwatch.StartNew();
        try
        {
            if (!process.Send(ProtocolMessages.Run(seq, caseFile), _limits.CaseTimeout, _abort.Token))
            {
                return Failed(CaseVerdict.Crashed, $"the harness stopped reading its input{ExitNote(process)}");
            }

            for (int earlierAnswers = 0; ; earlierAnswers++)
            {
                TimeSpan left = _limits.CaseTimeout - clock.Elapsed;
                ReceivedLine? line = left > TimeSpan.Zero ? process.ReadLine(left, _abort.Token) : throw new TimeoutException();
                if (line is not { } received)
                {
                    return Failed(CaseVerdict.Crashed, ExitedSoon(process)
                        ? $"the harness exited while running the case{ExitNote(process)}"
                        : $"the harness closed its stdout while running the case{ExitNote(process)}");
                }

                if (received.TooLong)
                {
                    return Failed(CaseVerdict.Crashed, $"protocol error: {TooLong(received, _limits)}");
                }

                RunReply reply = ProtocolMessages.ParseRunReply(received.Bytes, seq, fixture);
                if (reply.Response is not null)
                {
                    _consecutiveFailures = 0;
                    return new DriverAnswer(reply.Response);
                }

                if (earlierAnswers == MaxEarlierAnswersPerCase)
                {
                    return Failed(CaseVerdict.Crashed, $"protocol error: more than {MaxEarlierAnswersPerCase} answers to earlier cases while this one (seq {seq}) was awaited");
                }

                Warn($"case {CaseOf(reply.Seq)} answered more than once (seq {reply.Seq}); the later answer was ignored");
            }
        }
        catch (TimeoutException)
        {
            return Failed(CaseVerdict.Timeout, $"no answer within {Seconds(_limits.CaseTimeout)} s; the harness's process group was killed");
        }
        catch (ProtocolException exception)
        {
            return Failed(CaseVerdict.Crashed, $"protocol error: {exception.Message}");
        }
    }

    /// <summary>The running harness, or a fresh one after a failure; null when it does not restart.</summary>
    private HarnessProcess? CurrentOrRestarted(out string? failure)
    {
        failure = null;
        lock (_lock)
        {
            if (_process is not null)
            {
                return _process;
            }
        }

        HarnessProcess process;
        try
        {
            (process, _) = Launch(_command, _limits, _abort.Token);
        }
        catch (HarnessUnusableException exception)
        {
            failure = exception.Message;
            return null;
        }

        lock (_lock)
        {
            if (!_abort.IsCancellationRequested)
            {
                _process = process;
                return process;
            }
        }

        // Aborted while it started: it must not outlive the run.
        process.Dispose();
        throw new OperationCanceledException(_abort.Token);
    }

    private static (HarnessProcess Process, HarnessCapabilities Capabilities) Launch(string command, HarnessLimits limits, CancellationToken abort)
    {
        HarnessProcess process;
        try
        {
            process = HarnessProcess.Start(command, limits.MaxLineBytes);
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            throw new HarnessUnusableException($"could not start '{command}': {exception.Message}");
        }

        try
        {
            if (!process.Send(ProtocolMessages.Start(), limits.StartupTimeout, abort))
            {
                throw new HarnessUnusableException($"'{command}' did not read its input{ExitNote(process)}");
            }

            if (process.ReadLine(limits.StartupTimeout, abort) is not { } reply)
            {
                throw new HarnessUnusableException(ExitedSoon(process)
                    ? $"'{command}' exited before answering start{ExitNote(process, always: true)}"
                    : $"'{command}' closed its stdout before answering start{ExitNote(process)}");
            }

            return reply.TooLong
                ? throw new HarnessUnusableException($"'{command}' answered start wrongly: {TooLong(reply, limits)}")
                : (process, ProtocolMessages.ParseStartReply(reply.Bytes));
        }
        catch (TimeoutException)
        {
            process.Dispose();
            throw new HarnessUnusableException($"'{command}' did not answer start within {Seconds(limits.StartupTimeout)} s; its process group was killed");
        }
        catch (ProtocolException exception)
        {
            process.Dispose();
            throw new HarnessUnusableException($"'{command}' answered start wrongly: {exception.Message}");
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    private DriverAnswer Failed(CaseVerdict verdict, string message)
    {
        // The harness's state is unknown after a failure: end it and start afresh for the next case.
        EndProcess();
        _consecutiveFailures++;
        _restarts++;
        lock (_lock)
        {
            if (_consecutiveFailures >= _limits.MaxConsecutiveFailures)
            {
                _unstableReason ??= $"{_consecutiveFailures} failures in a row";
            }
            else if (_restarts >= _limits.MaxRestarts)
            {
                _unstableReason ??= $"{_restarts} restarts";
            }
        }

        return new DriverAnswer(null, verdict, message);
    }

    private void EndProcess()
    {
        HarnessProcess? process;
        lock (_lock)
        {
            process = _process;
            _process = null;
        }

        if (process is null)
        {
            return;
        }

        process.Dispose();
        _earlierStderr.Append(process.StderrTail);
        if (_earlierStderr.Length > HarnessProcess.StderrTailLimit)
        {
            _earlierStderr.Remove(0, _earlierStderr.Length - HarnessProcess.StderrTailLimit);
        }
    }

    private static DriverAnswer Interrupted() => new(null, CaseVerdict.NotRun, "not run: the run was interrupted");

    private void Remember(int seq, string id)
    {
        _caseOfSeq[seq] = id;
        _caseOfSeq.Remove(seq - RememberedCases);
    }

    private string CaseOf(int seq) => _caseOfSeq.TryGetValue(seq, out string? id) ? id : $"of seq {seq}";

    private void Warn(string warning)
    {
        lock (_lock)
        {
            if (_warnings.Count < MaxWarnings)
            {
                _warnings.Add(warning);
            }
            else
            {
                _warningsDropped++;
            }
        }
    }

    private static string TooLong(ReceivedLine line, HarnessLimits limits) =>
        $"a line of {line.Length.ToString(CultureInfo.InvariantCulture)} bytes, longer than the limit of {limits.MaxLineBytes.ToString(CultureInfo.InvariantCulture)} bytes";

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>Whether the harness exited with its stdout (the end of output may be seen a moment before the exit).</summary>
    private static bool ExitedSoon(HarnessProcess process) => process.WaitForExit(TimeSpan.FromMilliseconds(500));

    private static string ExitNote(HarnessProcess process, bool always = false)
    {
        if (process.WaitForExit(TimeSpan.FromMilliseconds(500)))
        {
            // The exit can be seen before the last stderr bytes are read: the last line is what the user needs.
            process.WaitForStderrEnd(TimeSpan.FromMilliseconds(500));
        }

        string code = process.ExitCode is int exit
            ? $" (exit code {exit.ToString(CultureInfo.InvariantCulture)})"
            : always ? " (exit code unknown)" : "";
        return code + LastLine(process.StderrTail);
    }

    private static string LastLine(string stderr)
    {
        string last = stderr.TrimEnd().Split('\n')[^1].Trim();
        return last.Length == 0 ? "" : $"; stderr ends: {HarnessText.Quote(last)}";
    }
}
