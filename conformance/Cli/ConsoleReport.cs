using System.Globalization;
using BatchNormAxis.Conformance.Reports;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Cli;

/// <summary>
/// The console summary of a run: failures with their diagnosis, how many failing cases each diagnosis was given to, warnings, the fixtures' provenance, the loud notices
/// that the run does not show conformance, then the closing count line. Every text that came from a harness or a file
/// is put on one line and neutralized (<see cref="ReportText"/>): a harness cannot send escape sequences to the terminal.
/// </summary>
internal static class ConsoleReport
{
    private const int FailuresShown = 30;

    public static void Write(TextWriter output, RunReport report)
    {
        List<CaseReport> failures = [.. report.Cases.Where(c => c.Outcome == Outcome.Failed)];
        foreach (CaseReport failure in failures.Take(FailuresShown))
        {
            output.WriteLine($"FAIL {ReportText.OneLine(failure.Id)}: {ReportText.OneLine(failure.Message)}");
            foreach (var finding in failure.Findings)
            {
                output.WriteLine($"     diagnosis: {ReportText.OneLine(finding.Explanation)}");
            }

            if (failure.Ambiguity is { } ambiguity)
            {
                output.WriteLine($"     ambiguous: {ReportText.OneLine(ambiguity.Explanation)}");
            }
        }

        if (failures.Count > FailuresShown)
        {
            output.WriteLine($"... and {failures.Count - FailuresShown} more failures (see --json, --junit or --html for all)");
        }

        if (report.Diagnoses.Failing > 0)
        {
            output.WriteLine(report.Diagnoses.Line);
        }

        foreach (string warning in report.Warnings)
        {
            output.WriteLine($"warning: {ReportText.OneLine(warning)}");
        }

        if (report.HarnessUnstable is not null)
        {
            output.WriteLine($"harness unstable: {ReportText.OneLine(report.HarnessUnstable)}; the remaining cases were not run");
        }

        output.WriteLine($"fixtures: {RunNotices.Describe(report.Provenance)}");
        foreach (string notice in RunNotices.For(report))
        {
            output.WriteLine($"!!! {notice}");
        }

        int unsupported = report.Cases.Count(c => c.Verdict == Conformance.CaseVerdict.Unsupported);
        int expectedFailures = report.Cases.Count(c => c.Expectation?.Status == ExpectationStatus.Fail && c.Outcome == Outcome.Skipped && c.Verdict != Conformance.CaseVerdict.Unsupported);
        int requiredFailed = failures.Count(c => c.Required);
        output.WriteLine($"{ReportText.OneLine(report.Implementation.Name)}: {report.Cases.Count} cases in {report.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s; {requiredFailed} required cases failed; skipped: {unsupported} unsupported, {expectedFailures} expected failures");
        output.WriteLine(report.Summary);
    }
}
