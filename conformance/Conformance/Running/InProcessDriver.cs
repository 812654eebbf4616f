using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Conformance.Running;

/// <summary>Runs cases on a built-in implementation in this process; it supports everything the fixtures ask.</summary>
public sealed class InProcessDriver(IBatchNormalization implementation) : ICaseDriver
{
    /// <inheritdoc/>
    public HarnessCapabilities Capabilities { get; } = new(
        implementation?.Name ?? throw new ArgumentNullException(nameof(implementation)),
        typeof(IBatchNormalization).Assembly.GetName().Version?.ToString(3) ?? "",
        "C#",
        ["float16", "bfloat16", "float32", "float64"],
        [1, 2, 3, 4, 5, 6],
        [.. HarnessCapabilities.AllFeatures]);

    /// <inheritdoc/>
    public string StderrTail => "";

    /// <inheritdoc/>
    public string? UnstableReason => null;

    /// <inheritdoc/>
    public IReadOnlyList<string> Warnings => [];

    /// <inheritdoc/>
    public DriverAnswer Run(FixtureCase fixture, byte[] caseFile)
    {
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
        // Nothing to end: a case in progress runs to completion on the calling thread.
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
