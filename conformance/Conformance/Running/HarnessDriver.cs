using System.Text;
using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Conformance.Running;

/// <summary>Limits that keep a run from hanging on a bad harness.</summary>
/// <param name="StartupTimeout">How long the harness may take to answer <c>start</c>.</param>
/// <param name="CaseTimeout">How long it may take to answer one case.</param>
/// <param name="MaxConsecutiveFailures">Crashes or timeouts in a row after which the harness is declared unstable.</param>
/// <param name="MaxRestarts">Restarts in a whole run after which the harness is declared unstable.</param>
public sealed record HarnessLimits(TimeSpan StartupTimeout, TimeSpan CaseTimeout, int MaxConsecutiveFailures = 3, int MaxRestarts = 10)
{
    /// <summary>30 s to start, 10 s per case, 3 failures in a row, 10 restarts.</summary>
    public static HarnessLimits Default { get; } = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));
}

/// <summary>
/// Runs cases through a harness process speaking the protocol (docs/protocol.md). A crash, a timeout or a protocol
/// error fails that case, kills the harness's process group and restarts it; after
/// <see cref="HarnessLimits.MaxConsecutiveFailures"/> failures in a row, or <see cref="HarnessLimits.MaxRestarts"/>
/// restarts, every remaining case is not run and the harness is reported unstable.
/// </summary>
public sealed class HarnessDriver : ICaseDriver
{
    private readonly string _command;
    private readonly HarnessLimits _limits;
    private readonly StringBuilder _stderr = new();
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
    public string? UnstableReason => _unstableReason;

    /// <inheritdoc/>
    public IReadOnlyList<string> Warnings => [];

    /// <inheritdoc/>
    public string StderrTail
    {
        get
        {
            string current = _process?.StderrTail ?? "";
            string all = _stderr.ToString() + current;
            return all.Length <= HarnessProcess.StderrTailLimit ? all : "[earlier stderr dropped]\n" + all[^HarnessProcess.StderrTailLimit..];
        }
    }

    /// <summary>Starts the harness and performs the start handshake.</summary>
    /// <param name="command">The shell command that runs the harness.</param>
    /// <param name="limits">Timeouts and restart bounds.</param>
    /// <returns>The driver.</returns>
    /// <exception cref="HarnessUnusableException">The harness does not start or answers <c>start</c> wrongly.</exception>
    public static HarnessDriver Start(string command, HarnessLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        (HarnessProcess process, HarnessCapabilities capabilities) = Launch(command, limits);
        return new HarnessDriver(command, limits, process, capabilities);
    }

    /// <inheritdoc/>
    public DriverAnswer Run(FixtureCase fixture, byte[] caseFile)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        if (_unstableReason is not null)
        {
            return new DriverAnswer(null, CaseVerdict.NotRun, $"not run: the harness is unstable ({_unstableReason})");
        }

        if (_process is null)
        {
            try
            {
                (_process, _) = Launch(_command, _limits);
            }
            catch (HarnessUnusableException exception)
            {
                return Failed(CaseVerdict.NotRun, $"not run: the harness did not restart ({exception.Message})");
            }
        }

        int seq = ++_seq;
        if (!_process.Send(ProtocolMessages.Run(seq, caseFile)))
        {
            return Failed(CaseVerdict.Crashed, $"the harness stopped reading its input{ExitNote()}");
        }

        string? line;
        try
        {
            line = _process.ReadLine(_limits.CaseTimeout);
        }
        catch (TimeoutException)
        {
            return Failed(CaseVerdict.Timeout, $"no answer within {_limits.CaseTimeout.TotalSeconds:0.#} s; the harness's process group was killed");
        }

        if (line is null)
        {
            return Failed(CaseVerdict.Crashed, $"the harness exited while running the case{ExitNote()}");
        }

        try
        {
            CaseResponse response = ProtocolMessages.ParseRunReply(line, seq, fixture);
            _consecutiveFailures = 0;
            return new DriverAnswer(response);
        }
        catch (ProtocolException exception)
        {
            return Failed(CaseVerdict.Crashed, $"protocol error: {exception.Message}");
        }
    }

    /// <inheritdoc/>
    public void Abort()
    {
        _unstableReason ??= "the run was interrupted";
        _process?.Kill();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _process?.Stop();
        _process?.Dispose();
        _process = null;
    }

    private static (HarnessProcess Process, HarnessCapabilities Capabilities) Launch(string command, HarnessLimits limits)
    {
        HarnessProcess process;
        try
        {
            process = HarnessProcess.Start(command);
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            throw new HarnessUnusableException($"could not start '{command}': {exception.Message}");
        }

        try
        {
            process.Send(ProtocolMessages.Start());
            string? reply = process.ReadLine(limits.StartupTimeout);
            if (reply is null)
            {
                process.Kill();
                throw new HarnessUnusableException($"'{command}' exited before answering start (exit code {process.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}){LastLine(process.StderrTail)}");
            }

            return (process, ProtocolMessages.ParseStartReply(reply));
        }
        catch (TimeoutException)
        {
            process.Dispose();
            throw new HarnessUnusableException($"'{command}' did not answer start within {limits.StartupTimeout.TotalSeconds:0.#} s; its process group was killed");
        }
        catch (ProtocolException exception)
        {
            process.Dispose();
            throw new HarnessUnusableException($"'{command}' answered start wrongly: {exception.Message}");
        }
    }

    private DriverAnswer Failed(CaseVerdict verdict, string message)
    {
        // The harness's state is unknown after a failure: end it and start afresh for the next case.
        if (_process is not null)
        {
            _process.Dispose();
            _stderr.Append(_process.StderrTail);
            _process = null;
        }

        _consecutiveFailures++;
        _restarts++;
        if (_consecutiveFailures >= _limits.MaxConsecutiveFailures)
        {
            _unstableReason = $"{_consecutiveFailures} failures in a row";
        }
        else if (_restarts >= _limits.MaxRestarts)
        {
            _unstableReason = $"{_restarts} restarts";
        }

        return new DriverAnswer(null, verdict, message);
    }

    private string ExitNote()
    {
        _process?.WaitForExit(TimeSpan.FromMilliseconds(500));
        return (_process?.ExitCode is int code ? $" (exit code {code})" : "") + LastLine(_process?.StderrTail ?? "");
    }

    private static string LastLine(string stderr)
    {
        string last = stderr.TrimEnd().Split('\n')[^1].Trim();
        return last.Length == 0 ? "" : $"; stderr ends: {(last.Length > 200 ? last[..200] + "..." : last)}";
    }
}
