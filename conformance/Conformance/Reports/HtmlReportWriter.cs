using System.Globalization;
using System.Net;
using System.Text;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Conformance.Reports;

/// <summary>
/// A self-contained HTML report: inline CSS, no script, no external asset. Every string that came from the
/// implementation or its harness is neutralized (<see cref="ReportText"/>: no raw control character) and HTML-encoded.
/// </summary>
public static class HtmlReportWriter
{
    /// <summary>Renders a report.</summary>
    /// <param name="report">The report.</param>
    /// <returns>The HTML text.</returns>
    public static string Write(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>BatchNormAxis conformance: ")
            .Append(E(report.Implementation.Name)).Append("</title>\n<style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;width:100%}")
            .Append("td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top;font-size:.9em}")
            .Append(".passed{background:#e7f6e7}.failed{background:#fbe4e4}.skipped{background:#f1f1f1}code,pre{font-family:ui-monospace,monospace}")
            .Append("pre{white-space:pre-wrap;background:#f7f7f7;padding:.5em;max-height:30em;overflow:auto}")
            .Append("</style></head><body>\n");
        html.Append("<h1>BatchNormAxis conformance report</h1>\n<p><b>").Append(E(report.Implementation.Name)).Append("</b> ")
            .Append(E(report.Implementation.Version)).Append(" (").Append(E(report.Implementation.Language)).Append(')');
        if (report.Command is not null)
        {
            html.Append(", harness <code>").Append(E(report.Command)).Append("</code>");
        }

        html.Append("<br>fixtures: format ").Append(E(report.Fixtures.FormatVersion)).Append(", suite ").Append(E(report.Fixtures.SuiteVersion))
            .Append("; started ").Append(E(report.Started.ToString("u", CultureInfo.InvariantCulture))).Append(", ")
            .Append(report.Seconds.ToString("0.0", CultureInfo.InvariantCulture)).Append(" s")
            .Append("<br>fixture provenance: ").Append(E(RunNotices.Describe(report.Provenance))).Append("</p>\n");
        foreach (string notice in RunNotices.For(report))
        {
            html.Append("<p class=\"failed\"><b>").Append(E(notice)).Append("</b></p>\n");
        }

        html.Append("<p><b>").Append(E(report.Summary)).Append("</b></p>\n");
        if (report.HarnessUnstable is not null)
        {
            html.Append("<p class=\"failed\">The harness was given up on: ").Append(E(report.HarnessUnstable)).Append("</p>\n");
        }

        foreach (string warning in report.Warnings)
        {
            html.Append("<p>Warning: ").Append(E(warning)).Append("</p>\n");
        }

        AppendDiagnoses(html, report.Diagnoses);
        html.Append("<table><tr><th>case</th><th>outcome</th><th>details</th><th>diagnosis</th></tr>\n");
        foreach (CaseReport c in report.Cases.OrderBy(c => c.Outcome == Outcome.Failed ? 0 : c.Outcome == Outcome.Skipped ? 1 : 2).ThenBy(c => c.Id, StringComparer.Ordinal))
        {
            string outcome = c.Outcome.ToString().ToLowerInvariant();
            html.Append("<tr class=\"").Append(outcome).Append("\"><td><code>").Append(E(c.Id)).Append("</code>").Append(c.Required ? "" : " <small>(optional)</small>")
                .Append("</td><td>").Append(outcome).Append(string.Equals(c.Verdict.ToString(), outcome, StringComparison.OrdinalIgnoreCase) ? "" : $" ({E(c.Verdict.ToString().ToLowerInvariant())})")
                .Append("</td><td>").Append(E(c.Message ?? "")).Append("</td><td>")
                .Append(string.Join("<br>", c.Findings.Select(f => E(f.Explanation))))
                .Append(c.Ambiguity is { } ambiguity ? $"<i>ambiguous: {E(ambiguity.Explanation)}</i>" : "").Append("</td></tr>\n");
        }

        html.Append("</table>\n");
        if (report.Stderr.Length > 0)
        {
            html.Append("<h2>Harness stderr (last part)</h2>\n<pre>").Append(E(report.Stderr)).Append("</pre>\n");
        }

        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>A table of how many failing cases each diagnosis was given to, and how many got none.</summary>
    private static void AppendDiagnoses(StringBuilder html, DiagnosisCounts counts)
    {
        if (counts.Failing == 0)
        {
            return;
        }

        html.Append("<h2>Diagnoses</h2>\n<table><tr><th>diagnosis</th><th>failing cases</th></tr>\n");
        foreach (DiagnosisCount count in counts.ByName)
        {
            html.Append("<tr><td><code>").Append(E(count.Name)).Append("</code></td><td>").Append(count.Cases.ToString(CultureInfo.InvariantCulture)).Append("</td></tr>\n");
        }

        foreach (DiagnosisCount count in counts.Ambiguous)
        {
            html.Append("<tr><td>cannot be told apart: ").Append(E(count.Name)).Append("</td><td>").Append(count.Cases.ToString(CultureInfo.InvariantCulture)).Append("</td></tr>\n");
        }

        html.Append("<tr><td>no diagnosis</td><td>").Append(counts.Undiagnosed.ToString(CultureInfo.InvariantCulture)).Append("</td></tr>\n")
            .Append("<tr><td><b>failing cases</b></td><td><b>").Append(counts.Failing.ToString(CultureInfo.InvariantCulture)).Append("</b></td></tr>\n</table>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(ReportText.Neutralize(text));
}
