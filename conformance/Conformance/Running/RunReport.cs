using BatchNormAxis.Conformance.Diagnosis;
using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Conformance.Running;

/// <summary>The outcome of one case in a run, after expectations are applied.</summary>
public enum Outcome
{
    /// <summary>Passed.</summary>
    Passed,

    /// <summary>Failed (any failing verdict, an unsupported required case, or an unexpected pass).</summary>
    Failed,

    /// <summary>Not counted: skipped by expectations or the harness, unsupported optional case, or an expected failure.</summary>
    Skipped,
}

/// <summary>One case in a run report.</summary>
/// <param name="Id">The case id.</param>
/// <param name="Required">Whether the case is in the required tier.</param>
/// <param name="Verdict">What happened.</param>
/// <param name="Outcome">How it counts.</param>
/// <param name="Message">Why it failed, was skipped or is unsupported.</param>
/// <param name="Outputs">Every output compared.</param>
/// <param name="Findings">Known mistakes the outputs match.</param>
/// <param name="Expectation">The expectation that applied, if any.</param>
/// <param name="Seconds">How long the case took.</param>
public sealed record CaseReport(
    string Id,
    bool Required,
    CaseVerdict Verdict,
    Outcome Outcome,
    string? Message,
    IReadOnlyList<OutputComparison> Outputs,
    IReadOnlyList<Finding> Findings,
    Expectation? Expectation,
    double Seconds)
{
    /// <summary>
    /// When the failure got no diagnosis because two or more explanations fit it equally on this case: which ones.
    /// Not a diagnosis: <see cref="Findings"/> stays empty.
    /// </summary>
    public Ambiguity? Ambiguity { get; init; }

    /// <summary>A pass of a case expected to fail.</summary>
    public bool UnexpectedPass => Verdict == CaseVerdict.Passed && Expectation?.Status == ExpectationStatus.Fail;
}

/// <summary>Everything a run found, for the console, JSON, JUnit and HTML reports.</summary>
/// <param name="Implementation">Who was tested.</param>
/// <param name="Command">The harness command, or null for a built-in implementation.</param>
/// <param name="Fixtures">The fixture directory and versions.</param>
/// <param name="Started">When the run started (UTC).</param>
/// <param name="Seconds">How long it took.</param>
/// <param name="Cases">Every selected case, in id order.</param>
/// <param name="Warnings">Stale expectations and other notes.</param>
/// <param name="HarnessUnstable">Why the harness was given up on, or null.</param>
/// <param name="Stderr">The kept tail of the harness's stderr.</param>
public sealed record RunReport(
    HarnessCapabilities Implementation,
    string? Command,
    FixtureManifest Fixtures,
    DateTimeOffset Started,
    double Seconds,
    IReadOnlyList<CaseReport> Cases,
    IReadOnlyList<string> Warnings,
    string? HarnessUnstable,
    string Stderr)
{
    /// <summary>Why the run stopped before every selected case had a verdict (interrupted, internal error), or null when it finished.</summary>
    public string? Incomplete { get; init; }

    /// <summary>The fixture set's manifest hash and whether it is an official suite.</summary>
    public FixtureProvenance Provenance { get; init; } = FixtureProvenance.Unknown;

    /// <summary>The report format version (docs/protocol.md, "Reports").</summary>
    public const string Version = "1.3.0";

    /// <summary>Cases counted as passed.</summary>
    public int Passed => Cases.Count(c => c.Outcome == Outcome.Passed);

    /// <summary>Cases counted as failed.</summary>
    public int Failed => Cases.Count(c => c.Outcome == Outcome.Failed);

    /// <summary>Cases not counted.</summary>
    public int Skipped => Cases.Count(c => c.Outcome == Outcome.Skipped);

    /// <summary>The closing line of every report: <c>N passed, N failed, N skipped</c>.</summary>
    public string Summary => $"{Passed} passed, {Failed} failed, {Skipped} skipped";

    /// <summary>How many failing cases each diagnosis was given to, and how many got none.</summary>
    public DiagnosisCounts Diagnoses => DiagnosisCounts.Of(Cases);

    /// <summary>Required cases matched by a wildcard expectation: counted as failed, since only an exact id may waive a required case.</summary>
    public int RequiredWaivedByWildcard => Cases.Count(c => c.Required && c.Expectation is { IsWildcard: true });
}
