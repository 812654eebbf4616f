using System.Collections.Immutable;
using System.Text.Json;
using BatchNormAxis.Conformance.Diagnosis;
using BatchNormAxis.Conformance.Protocol;
using BatchNormAxis.Conformance.Reports;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// How many failing cases each diagnosis was given to, and how many got none (issue 13: no report counted them):
/// on the report, in the JSON report (report_version 1.2.0, <c>diagnoses</c>) and in the HTML report.
/// </summary>
public class DiagnosisCountsTests
{
    private static readonly Finding s_momentum = new(WrongConvention.PyTorchMomentum, "momentum");
    private static readonly Finding s_epsilon = new(WrongConvention.EpsilonOutsideRoot, "epsilon");

    /// <summary>
    /// Five failing cases: momentum alone twice, momentum with epsilon once, none twice (one of them an expected
    /// failure); plus a crash, a pass and an unsupported case, which are not failing cases.
    /// </summary>
    private static RunReport Report()
    {
        List<CaseReport> cases =
        [
            Case("a", CaseVerdict.Failed, Outcome.Failed, s_momentum),
            Case("b", CaseVerdict.Failed, Outcome.Failed, s_momentum),
            Case("c", CaseVerdict.Failed, Outcome.Failed, s_momentum, s_epsilon),
            Case("d", CaseVerdict.Failed, Outcome.Failed),
            Case("e", CaseVerdict.Failed, Outcome.Skipped),
            Case("f", CaseVerdict.Crashed, Outcome.Failed),
            Case("g", CaseVerdict.Passed, Outcome.Passed),
            Case("h", CaseVerdict.Unsupported, Outcome.Skipped),
        ];
        var capabilities = new HarnessCapabilities("impl", "1", "C", ImmutableHashSet.Create("float32"), ImmutableHashSet.Create(2), [.. HarnessCapabilities.AllFeatures]);
        return new RunReport(capabilities, null, FixtureLocation.Set.Manifest, DateTimeOffset.UnixEpoch, 1, cases, [], null, "");
    }

    private static CaseReport Case(string id, CaseVerdict verdict, Outcome outcome, params Finding[] findings) =>
        new(id, true, verdict, outcome, verdict == CaseVerdict.Passed ? null : "why", [], findings, null, 0.1);

    [Fact]
    public void Counts_EachNameOverTheFailingCases_AndThoseWithNone()
    {
        DiagnosisCounts counts = Report().Diagnoses;

        Assert.Equal(5, counts.Failing);
        Assert.Equal([new DiagnosisCount("pytorch_momentum", 3), new DiagnosisCount("epsilon_outside_root", 1)], counts.ByName);
        Assert.Equal(2, counts.Undiagnosed);
        Assert.Equal("diagnoses of 5 failing cases: pytorch_momentum 3, epsilon_outside_root 1; none 2", counts.Line);
    }

    [Fact]
    public void NoFailingCase_CountsNothing()
    {
        RunReport report = Report();
        DiagnosisCounts counts = (report with { Cases = [.. report.Cases.Where(c => c.Verdict != CaseVerdict.Failed)] }).Diagnoses;

        Assert.Equal(0, counts.Failing);
        Assert.Empty(counts.ByName);
        Assert.Equal(0, counts.Undiagnosed);
    }

    [Fact]
    public void JsonReport_CarriesTheCounts()
    {
        string json = JsonReportWriter.Write(Report());
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement diagnoses = document.RootElement.GetProperty("diagnoses");

        Assert.Equal("1.3.0", document.RootElement.GetProperty("report_version").GetString());
        Assert.Equal(5, diagnoses.GetProperty("failing").GetInt32());
        Assert.Equal(2, diagnoses.GetProperty("none").GetInt32());
        Assert.Equal(
            ["pytorch_momentum=3", "epsilon_outside_root=1"],
            diagnoses.GetProperty("by_name").EnumerateArray().Select(d => $"{d.GetProperty("name").GetString()}={d.GetProperty("cases").GetInt32()}"));
        Assert.Equal("", RepositoryFiles.Problems(RepositoryFiles.ProtocolSchema("report.schema.json"), json));
    }

    [Fact]
    public void HtmlReport_HasTheCountsTable()
    {
        string html = HtmlReportWriter.Write(Report());

        Assert.Contains("<h2>Diagnoses</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td><code>pytorch_momentum</code></td><td>3</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td><code>epsilon_outside_root</code></td><td>1</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>no diagnosis</td><td>2</td></tr>", html, StringComparison.Ordinal);
        Assert.True(
            html.IndexOf("<h2>Diagnoses</h2>", StringComparison.Ordinal) < html.IndexOf("<th>case</th>", StringComparison.Ordinal),
            "the counts come before the table of cases");
    }
}
