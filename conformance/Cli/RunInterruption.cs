using System.Runtime.InteropServices;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Cli;

/// <summary>
/// SIGINT and SIGTERM during <c>bnaxis run</c>: the first one cancels the run, kills the harness's process group and
/// lets the run write its reports of what ran; a second one ends bnaxis at once, the default way, without reports.
/// </summary>
internal sealed class RunInterruption : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly Lock _lock = new();
    private ICaseDriver? _driver;
    private PosixSignal? _signal;
    private bool _disposed;

    public RunInterruption()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>The signal's name (SIGINT, SIGTERM) once one arrived, else null.</summary>
    public string? Signal
    {
        get
        {
            lock (_lock)
            {
                return _signal?.ToString();
            }
        }
    }

    /// <summary>The driver to abort on a signal; aborted at once if a signal came while it was starting.</summary>
    public void Watch(ICaseDriver driver)
    {
        lock (_lock)
        {
            _driver = driver;
            if (_signal is not null)
            {
                driver.Abort();
            }
        }
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }

        lock (_lock)
        {
            // A handler already under way waits for the lock and then finds the run over.
            _driver = null;
            _disposed = true;
            _cancellation.Dispose();
        }
    }

    private void Handle(PosixSignalContext context)
    {
        lock (_lock)
        {
            if (_signal is not null || _disposed)
            {
                return; // the second signal (or one after the run): not cancelled, so the runtime ends the process
            }

            _signal = context.Signal;
            context.Cancel = true;
            _cancellation.Cancel();
            _driver?.Abort();
        }
    }
}
