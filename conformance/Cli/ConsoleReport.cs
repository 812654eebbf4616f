using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Cli;

/// <summary>The console summary of a run: failures with their diagnosis, warnings, then the closing count line.</summary>
internal static class ConsoleReport
{
    private const int FailuresShown = 30;

    public static void Write(TextWriter output, RunReport report)
    {
        List<CaseReport> failures = [.. report.Cases.Where(c => c.Outcome == Outcome.Failed)];
        foreach (CaseReport failure in failures.Take(FailuresShown))
        {
            output.WriteLine($"FAIL {failure.Id}: {OneLine(failure.Message)}");
            foreach (var finding in failure.Findings)
            {
                output.WriteLine($"     diagnosis: {finding.Explanation}");
            }
        }

        if (failures.Count > FailuresShown)
        {
            output.WriteLine($"... and {failures.Count - FailuresShown} more failures (see --json, --junit or --html for all)");
        }

        foreach (string warning in report.Warnings)
        {
            output.WriteLine($"warning: {warning}");
        }

        if (report.HarnessUnstable is not null)
        {
            output.WriteLine($"harness unstable: {report.HarnessUnstable}; the remaining cases were not run");
        }

        int unsupported = report.Cases.Count(c => c.Verdict == Conformance.CaseVerdict.Unsupported);
        int expectedFailures = report.Cases.Count(c => c.Expectation?.Status == ExpectationStatus.Fail && c.Outcome == Outcome.Skipped && c.Verdict != Conformance.CaseVerdict.Unsupported);
        int requiredFailed = failures.Count(c => c.Required);
        output.WriteLine($"{report.Implementation.Name}: {report.Cases.Count} cases in {report.Seconds:0.0} s; {requiredFailed} required cases failed; skipped: {unsupported} unsupported, {expectedFailures} expected failures");
        output.WriteLine(report.Summary);
    }

    private static string OneLine(string? text) => (text ?? "").ReplaceLineEndings(" | ");
}
