using System.Diagnostics;
using BatchNormAxis.Conformance.Diagnosis;

namespace BatchNormAxis.Conformance.Running;

/// <summary>
/// Runs selected cases on one implementation, grades them, applies expectations and diagnoses failures.
/// Cases an implementation lacks a capability for are not sent to it.
/// </summary>
public static class ConformanceRunner
{
    /// <summary>Runs a conformance run.</summary>
    /// <param name="fixtures">The verified fixture set.</param>
    /// <param name="selected">The cases to run.</param>
    /// <param name="driver">The implementation.</param>
    /// <param name="expectations">Known failures and skips.</param>
    /// <param name="command">The harness command, for the report; null for a built-in implementation.</param>
    /// <param name="progress">Called after each case with the number done and the case's report.</param>
    /// <returns>The report.</returns>
    public static RunReport Run(
        FixtureSet fixtures,
        IReadOnlyList<ManifestEntry> selected,
        ICaseDriver driver,
        Expectations expectations,
        string? command,
        Action<int, CaseReport>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(fixtures);
        ArgumentNullException.ThrowIfNull(selected);
        ArgumentNullException.ThrowIfNull(driver);
        ArgumentNullException.ThrowIfNull(expectations);
        DateTimeOffset started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var reports = new List<CaseReport>(selected.Count);
        foreach (ManifestEntry entry in selected)
        {
            CaseReport report = RunOne(fixtures, entry, driver, expectations);
            reports.Add(report);
            progress?.Invoke(reports.Count, report);
        }

        var warnings = new List<string>(driver.Warnings);
        foreach (Expectation stale in expectations.Stale(fixtures.Manifest.Cases.Select(c => c.Id)))
        {
            warnings.Add($"stale expectation '{stale.Pattern}' matches no case of this suite ({stale.Reason})");
        }

        return new RunReport(
            driver.Capabilities,
            command,
            fixtures.Manifest,
            started,
            clock.Elapsed.TotalSeconds,
            reports,
            warnings,
            driver.UnstableReason,
            driver.StderrTail)
        {
            Provenance = fixtures.Provenance,
        };
    }

    private static CaseReport RunOne(FixtureSet fixtures, ManifestEntry entry, ICaseDriver driver, Expectations expectations)
    {
        bool required = RequiredTier.IsRequired(entry);
        Expectation? expectation = expectations.Match(entry.Id);
        if (expectation?.Status == ExpectationStatus.Skip)
        {
            return Counted(new CaseResult(entry.Id, CaseVerdict.Skipped, [], $"skipped by expectation: {expectation.Reason}"), required, [], expectation, 0);
        }

        string? missing = driver.Capabilities.MissingFor(entry);
        if (missing is not null)
        {
            string message = $"the implementation does not declare {missing}";
            return Counted(new CaseResult(entry.Id, CaseVerdict.Unsupported, [], message), required, [], expectation, 0);
        }

        var clock = Stopwatch.StartNew();
        (FixtureCase fixture, byte[] bytes) = fixtures.ReadCaseWithBytes(entry.Id);
        DriverAnswer answer = driver.Run(fixture, bytes);
        CaseResult result = answer.Response is null
            ? new CaseResult(entry.Id, answer.Failure ?? CaseVerdict.Errored, [], answer.Message)
            : CaseGrader.Grade(fixture, answer.Response);
        IReadOnlyList<Finding> findings = result.Verdict == CaseVerdict.Failed && answer.Response is not null
            ? Diagnoser.Diagnose(fixture, answer.Response)
            : [];
        return Counted(result, required, findings, expectation, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// How a verdict counts: expected failures, exact-id skips and unsupported optional cases do not; unexpected passes
    /// do. A wildcard entry waives optional cases only: a required case it matches counts as failed whatever happened,
    /// so <c>{"id": "*", "status": "skip"}</c> cannot turn a non-conformant run green (an exact id still can waive a
    /// required case: an honest, named known failure, never counted as passed).
    /// </summary>
    private static CaseReport Counted(CaseResult result, bool required, IReadOnlyList<Finding> findings, Expectation? expectation, double seconds)
    {
        if (required && expectation is { IsWildcard: true })
        {
            string what = result.Verdict switch
            {
                CaseVerdict.Skipped when expectation.Status == ExpectationStatus.Skip => "not run",
                CaseVerdict.Passed => "it passed",
                _ => result.Message ?? result.Verdict.ToString().ToLowerInvariant(),
            };
            string waived = $"the wildcard entry '{expectation.Pattern}' ({expectation.Reason}) cannot waive a required case, only an entry with its exact id can: counted as failed; {what}";
            return new CaseReport(result.Id, required, result.Verdict, Outcome.Failed, waived, result.Outputs, findings, expectation, seconds);
        }

        bool expectedToFail = expectation?.Status == ExpectationStatus.Fail;
        bool skippedByExpectation = expectation?.Status == ExpectationStatus.Skip && result.Verdict == CaseVerdict.Skipped;
        Outcome outcome = result.Verdict switch
        {
            CaseVerdict.Passed => expectedToFail ? Outcome.Failed : Outcome.Passed,
            CaseVerdict.Unsupported or CaseVerdict.Skipped => required && !expectedToFail && !skippedByExpectation ? Outcome.Failed : Outcome.Skipped,
            _ => expectedToFail ? Outcome.Skipped : Outcome.Failed,
        };
        string? message = result.Verdict switch
        {
            CaseVerdict.Passed when expectedToFail => $"passed unexpectedly: the expectation says it fails ({expectation!.Reason}); remove the entry",
            CaseVerdict.Unsupported or CaseVerdict.Skipped when outcome == Outcome.Failed => $"{result.Message} (a required case)",
            _ when expectedToFail && result.Verdict != CaseVerdict.Passed => $"expected failure ({expectation!.Reason}): {result.Message}",
            _ => result.Message,
        };
        return new CaseReport(result.Id, required, result.Verdict, outcome, message, result.Outputs, findings, expectation, seconds);
    }
}
