using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Conformance.Running;

/// <summary>What a driver got for one case: an answer to grade, or a failure of the harness itself.</summary>
/// <param name="Response">The implementation's answer, when it gave one.</param>
/// <param name="Failure">Timeout, Crashed, Errored or NotRun when it gave none.</param>
/// <param name="Message">Why it gave none.</param>
public sealed record DriverAnswer(CaseResponse? Response, CaseVerdict? Failure = null, string? Message = null);

/// <summary>Runs cases on one implementation: in process, or through a harness speaking the protocol.</summary>
public interface ICaseDriver : IDisposable
{
    /// <summary>The implementation's identity and capabilities.</summary>
    HarnessCapabilities Capabilities { get; }

    /// <summary>Everything the implementation wrote to stderr that was kept, or empty.</summary>
    string StderrTail { get; }

    /// <summary>Why the driver gave up on the implementation (every later case is not run), or null.</summary>
    string? UnstableReason { get; }

    /// <summary>Notes for the run report that belong to no single case (for example a reply that answered a case twice).</summary>
    IReadOnlyList<string> Warnings { get; }

    /// <summary>Runs one case.</summary>
    /// <param name="fixture">The case.</param>
    /// <param name="caseFile">The case file's verified bytes (what a harness is sent, without expectations).</param>
    /// <returns>The answer, or the failure.</returns>
    DriverAnswer Run(FixtureCase fixture, byte[] caseFile);

    /// <summary>
    /// Ends the implementation now, from any thread (a signal handler): a harness's whole process group is killed,
    /// a <see cref="Run"/> in progress returns promptly, and every later <see cref="Run"/> answers not run.
    /// Safe to call more than once, and before or after <see cref="IDisposable.Dispose"/>.
    /// </summary>
    void Abort();
}
