using System.Globalization;
using System.Xml.Linq;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Conformance.Reports;

/// <summary>
/// The JUnit XML report, in the shape Jenkins, GitLab and GitHub test-report parsers read: a <c>bnaxis</c> testsuite
/// for the run itself (its properties: implementation, fixture provenance, notices; the harness's stderr as
/// <c>system-err</c>; a failing testcase when the run is incomplete), then one testsuite per case family with one
/// testcase per case. A wrong output is a <c>failure</c>; a harness fault (crash, timeout, error, not run) is an
/// <c>error</c>. Every count (<c>tests</c>, <c>failures</c>, <c>errors</c>, <c>skipped</c>) is the sum of its testcases,
/// per suite and in total. All text is neutralized (<see cref="ReportText"/>), so the XML is valid whatever a harness sent.
/// </summary>
public static class JUnitReportWriter
{
    private const string RunSuite = "bnaxis";

    /// <summary>Serializes a report.</summary>
    /// <param name="report">The report.</param>
    /// <returns>The XML text.</returns>
    public static string Write(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        List<XElement> suites = [RunLevel(report)];
        foreach (IGrouping<string, CaseReport> family in report.Cases.GroupBy(c => c.Id.Split('.')[0]))
        {
            suites.Add(Suite(family.Key, family.Sum(c => c.Seconds), [.. family.Select(c => TestCase(family.Key, c))]));
        }

        var root = new XElement(
            "testsuites",
            new XAttribute("name", Line($"BatchNormAxis conformance: {report.Implementation.Name}")),
            Counts(suites.SelectMany(s => s.Elements("testcase")).ToList()),
            new XAttribute("time", Seconds(report.Seconds)),
            suites);
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root).ToString() + "\n";
    }

    /// <summary>The run's own suite: what was tested on which fixtures, the notices, the stderr tail, and a failing testcase if the run was cut short.</summary>
    private static XElement RunLevel(RunReport report)
    {
        List<XElement> testCases = [];
        if (report.Incomplete is not null)
        {
            string text = $"the run is incomplete: {report.Incomplete}";
            testCases.Add(new XElement(
                "testcase",
                new XAttribute("classname", RunSuite),
                new XAttribute("name", "run completed"),
                new XAttribute("time", Seconds(0)),
                new XElement("error", new XAttribute("message", Line(text)), new XAttribute("type", "incomplete"), Text(text))));
        }

        XElement suite = Suite(RunSuite, 0, testCases);
        List<(string Name, string Value)> properties =
        [
            ("implementation", $"{report.Implementation.Name} {report.Implementation.Version} ({report.Implementation.Language})"),
            ("harness", report.Command ?? "(built in)"),
            ("fixtures.suite_version", report.Fixtures.SuiteVersion),
            ("fixtures.provenance", RunNotices.Describe(report.Provenance)),
            ("fixtures.manifest_sha256", report.Provenance.ManifestSha256),
            ("summary", report.Summary),
            ("required_waived_by_wildcard", report.RequiredWaivedByWildcard.ToString(CultureInfo.InvariantCulture)),
            .. report.Incomplete is null ? [] : new[] { ("incomplete", report.Incomplete) },
            .. report.HarnessUnstable is null ? [] : new[] { ("harness_unstable", report.HarnessUnstable) },
            .. RunNotices.For(report).Select(n => ("notice", n)),
            .. report.Warnings.Select(w => ("warning", w)),
        ];

        // properties come first in a testsuite, system-err last (the JUnit XSD's order).
        suite.AddFirst(new XElement("properties", properties.Select(p => new XElement("property", new XAttribute("name", p.Name), new XAttribute("value", Line(p.Value))))));
        if (report.Stderr.Length > 0)
        {
            suite.Add(new XElement("system-err", Text(report.Stderr)));
        }

        return suite;
    }

    private static XElement Suite(string name, double seconds, List<XElement> testCases) =>
        new("testsuite", new XAttribute("name", Line(name)), Counts(testCases), new XAttribute("time", Seconds(seconds)), testCases);

    private static XElement TestCase(string family, CaseReport c)
    {
        var testCase = new XElement("testcase", new XAttribute("classname", Line(family)), new XAttribute("name", Line(c.Id)), new XAttribute("time", Seconds(c.Seconds)));
        if (c.Outcome == Outcome.Failed)
        {
            string message = c.Message ?? c.Verdict.ToString();
            string diagnosis = string.Concat(c.Findings.Select(f => $"\ndiagnosis: {f.Explanation}")) + (c.Ambiguity is { } ambiguity ? $"\nambiguous: {ambiguity.Explanation}" : "");
            testCase.Add(new XElement(IsHarnessFault(c.Verdict) ? "error" : "failure", new XAttribute("message", Line(message)), new XAttribute("type", c.Verdict.ToString()), Text(message + diagnosis)));
        }
        else if (c.Outcome == Outcome.Skipped)
        {
            testCase.Add(new XElement("skipped", new XAttribute("message", Line(c.Message ?? c.Verdict.ToString()))));
        }

        return testCase;
    }

    /// <summary>The harness broke rather than computed a wrong answer: JUnit's <c>error</c>, not <c>failure</c>.</summary>
    private static bool IsHarnessFault(CaseVerdict verdict) => verdict is CaseVerdict.Crashed or CaseVerdict.Timeout or CaseVerdict.Errored or CaseVerdict.NotRun;

    private static XAttribute[] Counts(List<XElement> testCases) =>
    [
        new("tests", testCases.Count),
        new("failures", testCases.Count(t => t.Element("failure") is not null)),
        new("errors", testCases.Count(t => t.Element("error") is not null)),
        new("skipped", testCases.Count(t => t.Element("skipped") is not null)),
    ];

    private static string Seconds(double seconds) => seconds.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Text(string text) => ReportText.Neutralize(text);

    private static string Line(string text) => ReportText.OneLine(text);
}
