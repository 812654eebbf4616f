namespace BatchNormAxis.Conformance;

/// <summary>The verdict on one case.</summary>
public enum CaseVerdict
{
    /// <summary>Every output within tolerance, or the expected rejection.</summary>
    Passed,

    /// <summary>An output out of tolerance, a wrong or missing rejection, or an unexpected error.</summary>
    Failed,

    /// <summary>The implementation does not support what the case needs (declared, not a failure).</summary>
    Unsupported,

    /// <summary>The implementation chose not to run the case.</summary>
    Skipped,

    /// <summary>The implementation failed unexpectedly (an exception, a harness bug).</summary>
    Errored,

    /// <summary>The harness did not answer in time; its process group was killed.</summary>
    Timeout,

    /// <summary>The harness exited or broke the protocol while running the case.</summary>
    Crashed,

    /// <summary>The case never ran: the harness was declared unstable after repeated crashes.</summary>
    NotRun,
}

/// <summary>What happened when a case ran.</summary>
/// <param name="Id">The case id.</param>
/// <param name="Verdict">The verdict.</param>
/// <param name="Outputs">Every output compared.</param>
/// <param name="Message">Why it failed or is unsupported; null when it passed.</param>
public sealed record CaseResult(string Id, CaseVerdict Verdict, IReadOnlyList<OutputComparison> Outputs, string? Message);
