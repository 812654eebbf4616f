using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Conformance.Running;

/// <summary>Runs cases on a built-in implementation in this process; it supports everything the fixtures ask.</summary>
public sealed class InProcessDriver(IBatchNormalization implementation) : ICaseDriver
{
    private volatile bool _aborted;

    /// <inheritdoc/>
    public HarnessCapabilities Capabilities { get; } = HarnessCapabilities.BuiltIn(implementation?.Name ?? throw new ArgumentNullException(nameof(implementation)));

    /// <inheritdoc/>
    public string StderrTail => "";

    /// <inheritdoc/>
    public string? UnstableReason => null;

    /// <inheritdoc/>
    public IReadOnlyList<string> Warnings => [];

    /// <inheritdoc/>
    public DriverAnswer Run(FixtureCase fixture, byte[] caseFile)
    {
        if (_aborted)
        {
            return new DriverAnswer(null, CaseVerdict.NotRun, "not run: the run was interrupted");
        }

        try
        {
            return new DriverAnswer(CaseExecutor.Execute(fixture, implementation));
        }
#pragma warning disable CA1031 // A bug in an implementation is a verdict on that case, not the end of the run.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return new DriverAnswer(CaseResponse.Without(ResponseKind.Errored, $"{exception.GetType().Name}: {exception.Message}"));
        }
    }

    /// <inheritdoc/>
    public void Abort()
    {
        // A case in progress runs to completion on the calling thread (it is bounded); later ones are not run.
        _aborted = true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
