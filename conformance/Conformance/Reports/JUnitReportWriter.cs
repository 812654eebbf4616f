using System.Globalization;
using System.Xml.Linq;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Conformance.Reports;

/// <summary>The JUnit XML report: one testsuite per case family, one testcase per case; CI systems read it.</summary>
public static class JUnitReportWriter
{
    /// <summary>Serializes a report.</summary>
    /// <param name="report">The report.</param>
    /// <returns>The XML text.</returns>
    public static string Write(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var suites = new XElement(
            "testsuites",
            new XAttribute("name", $"BatchNormAxis conformance: {report.Implementation.Name}"),
            new XAttribute("tests", report.Cases.Count),
            new XAttribute("failures", report.Failed),
            new XAttribute("skipped", report.Skipped),
            new XAttribute("time", Seconds(report.Seconds)));
        foreach (IGrouping<string, CaseReport> family in report.Cases.GroupBy(c => c.Id.Split('.')[0]))
        {
            var suite = new XElement(
                "testsuite",
                new XAttribute("name", family.Key),
                new XAttribute("tests", family.Count()),
                new XAttribute("failures", family.Count(c => c.Outcome == Outcome.Failed)),
                new XAttribute("skipped", family.Count(c => c.Outcome == Outcome.Skipped)),
                new XAttribute("time", Seconds(family.Sum(c => c.Seconds))));
            foreach (CaseReport c in family)
            {
                var testCase = new XElement("testcase", new XAttribute("classname", family.Key), new XAttribute("name", c.Id), new XAttribute("time", Seconds(c.Seconds)));
                if (c.Outcome == Outcome.Failed)
                {
                    string diagnosis = string.Concat(c.Findings.Select(f => $"\ndiagnosis: {f.Explanation}"));
                    testCase.Add(new XElement("failure", new XAttribute("message", Clean(c.Message ?? c.Verdict.ToString())), new XAttribute("type", c.Verdict.ToString()), Clean((c.Message ?? "") + diagnosis)));
                }
                else if (c.Outcome == Outcome.Skipped)
                {
                    testCase.Add(new XElement("skipped", new XAttribute("message", Clean(c.Message ?? c.Verdict.ToString()))));
                }

                suite.Add(testCase);
            }

            suites.Add(suite);
        }

        if (report.Stderr.Length > 0)
        {
            suites.Add(new XElement("system-err", Clean(report.Stderr)));
        }

        return new XDocument(new XDeclaration("1.0", "utf-8", null), suites).ToString() + "\n";
    }

    private static string Seconds(double seconds) => seconds.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>XML 1.0 cannot hold most control characters, whatever a harness printed: replace them.</summary>
    private static string Clean(string text) => string.Concat(text.Select(c => c is '\t' or '\n' or '\r' || (c >= ' ' && !char.IsSurrogate(c) && c != '\uFFFE' && c != '\uFFFF') ? c : '\uFFFD'));
}
