using System.Diagnostics;
using BatchNormAxis.Conformance.Diagnosis;
using BatchNormAxis.Conformance.Protocol;

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
    /// <param name="cancellation">
    /// Checked between cases. Once it is cancelled the run stops and the report holds the cases that ran, with
    /// <see cref="RunReport.Incomplete"/> set; a case that was running and got no graded answer (its harness was
    /// killed by <see cref="ICaseDriver.Abort"/>, say) is left out rather than blamed on the implementation.
    /// </param>
    /// <returns>The report.</returns>
    /// <remarks>
    /// An exception while one case runs or is graded (a driver, grader or diagnoser bug, a fixture file changed
    /// since it was verified) becomes that case's <see cref="CaseVerdict.Errored"/> verdict and the run goes on.
    /// </remarks>
    /// <exception cref="RunStoppedException">
    /// The harness became unusable (the inner exception is a <see cref="HarnessUnusableException"/>), or something
    /// outside a case failed (the progress callback, say): the exception's report holds every case that ran.
    /// </exception>
    public static RunReport Run(
        FixtureSet fixtures,
        IReadOnlyList<ManifestEntry> selected,
        ICaseDriver driver,
        Expectations expectations,
        string? command,
        Action<int, CaseReport>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(fixtures);
        ArgumentNullException.ThrowIfNull(selected);
        ArgumentNullException.ThrowIfNull(driver);
        ArgumentNullException.ThrowIfNull(expectations);
        DateTimeOffset started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var reports = new List<CaseReport>(selected.Count);
        try
        {
            foreach (ManifestEntry entry in selected)
            {
                if (cancellation.IsCancellationRequested)
                {
                    break;
                }

                CaseReport report = RunGuarded(fixtures, entry, driver, expectations);
                if (cancellation.IsCancellationRequested && report.Verdict is CaseVerdict.Crashed or CaseVerdict.Timeout or CaseVerdict.NotRun or CaseVerdict.Errored)
                {
                    // Most likely the interruption's doing (the harness was killed under the case), not the implementation's.
                    break;
                }

                reports.Add(report);
                progress?.Invoke(reports.Count, report);
            }
        }
#pragma warning disable CA1031 // Whatever stops the run, the cases that ran go out with the exception.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            string why = exception is HarnessUnusableException
                ? $"the harness became unusable after {reports.Count} of {selected.Count} cases: {exception.Message}"
                : $"stopped by an internal error after {reports.Count} of {selected.Count} cases ({exception.GetType().Name}: {exception.Message})";
            throw new RunStoppedException(Report(fixtures, driver, expectations, command, started, clock.Elapsed, reports) with { Incomplete = why }, exception);
        }

        RunReport finished = Report(fixtures, driver, expectations, command, started, clock.Elapsed, reports);
        return reports.Count == selected.Count
            ? finished
            : finished with { Incomplete = $"cancelled after {reports.Count} of {selected.Count} cases" };
    }

    /// <summary>The report of a run whose implementation never started: no case ran, and it says why.</summary>
    /// <param name="fixtures">The fixture set the run was to use.</param>
    /// <param name="command">The harness command that did not start, or null.</param>
    /// <param name="reason">Why nothing ran, for <see cref="RunReport.Incomplete"/>.</param>
    /// <returns>A report with no cases.</returns>
    public static RunReport NothingRan(FixtureSet fixtures, string? command, string reason)
    {
        ArgumentNullException.ThrowIfNull(fixtures);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        var unknown = new HarnessCapabilities("(did not start)", "", "", [], [], []);
        return new RunReport(unknown, command, fixtures.Manifest, DateTimeOffset.UtcNow, 0, [], [], null, "")
        {
            Provenance = fixtures.Provenance,
            Incomplete = reason,
        };
    }

    private static RunReport Report(FixtureSet fixtures, ICaseDriver driver, Expectations expectations, string? command, DateTimeOffset started, TimeSpan elapsed, List<CaseReport> reports)
    {
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
            elapsed.TotalSeconds,
            [.. reports],
            warnings,
            driver.UnstableReason,
            driver.StderrTail)
        {
            Provenance = fixtures.Provenance,
        };
    }

    /// <summary>Runs one case; any exception but an unusable harness becomes the case's errored verdict.</summary>
    private static CaseReport RunGuarded(FixtureSet fixtures, ManifestEntry entry, ICaseDriver driver, Expectations expectations)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            return RunOne(fixtures, entry, driver, expectations);
        }
        catch (HarnessUnusableException)
        {
            throw;
        }
#pragma warning disable CA1031 // One case's trouble is that case's verdict, never the end of the run.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            string message = $"bnaxis could not run or grade the case ({exception.GetType().Name}: {exception.Message})";
            return Counted(new CaseResult(entry.Id, CaseVerdict.Errored, [], message), RequiredTier.IsRequired(entry, driver.Capabilities), [], expectations.Match(entry.Id), clock.Elapsed.TotalSeconds);
        }
    }

    private static CaseReport RunOne(FixtureSet fixtures, ManifestEntry entry, ICaseDriver driver, Expectations expectations)
    {
        bool required = RequiredTier.IsRequired(entry, driver.Capabilities);
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
        DiagnosisResult diagnosis = result.Verdict == CaseVerdict.Failed && answer.Response is not null
            ? Diagnoser.Examine(fixture, answer.Response)
            : DiagnosisResult.None;
        return Counted(result, required, diagnosis.Findings, expectation, clock.Elapsed.TotalSeconds) with { Ambiguity = diagnosis.Ambiguity };
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
