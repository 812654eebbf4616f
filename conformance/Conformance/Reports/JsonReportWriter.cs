using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using BatchNormAxis.Conformance.Diagnosis;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Conformance.Reports;

/// <summary>
/// The JSON report (schema: conformance/protocol/report.schema.json). Every text that came from a harness or a file is
/// neutralized (<see cref="ReportText"/>), as in the other reports; a lone surrogate shows as <c>\ud800</c> rather than
/// becoming an invalid or silently replaced character.
/// </summary>
public static class JsonReportWriter
{
    private static readonly JsonSerializerOptions s_options = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Serializes a report.</summary>
    /// <param name="report">The report.</param>
    /// <returns>The JSON text.</returns>
    public static string Write(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var json = new JsonObject
        {
            ["report_version"] = RunReport.Version,
            ["implementation"] = new JsonObject
            {
                ["name"] = T(report.Implementation.Name),
                ["version"] = T(report.Implementation.Version),
                ["language"] = T(report.Implementation.Language),
                ["command"] = T(report.Command),
                ["dtypes"] = Strings(report.Implementation.DTypes.Order(StringComparer.Ordinal)),
                ["ranks"] = new JsonArray([.. report.Implementation.Ranks.Order().Select(r => (JsonNode)r)]),
                ["features"] = Strings(report.Implementation.Features.Order(StringComparer.Ordinal)),
            },
            ["fixtures"] = new JsonObject
            {
                ["format_version"] = T(report.Fixtures.FormatVersion),
                ["suite_version"] = T(report.Fixtures.SuiteVersion),
                ["case_count"] = report.Fixtures.Cases.Length,
            },
            ["provenance"] = new JsonObject
            {
                ["manifest_sha256"] = report.Provenance.ManifestSha256,
                ["official_suite_version"] = T(report.Provenance.OfficialSuiteVersion),
                ["official"] = report.Provenance.IsOfficial,
                ["line"] = RunNotices.Describe(report.Provenance),
            },
            ["incomplete"] = T(report.Incomplete),
            ["started"] = report.Started.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["seconds"] = Math.Round(report.Seconds, 3),
            ["summary"] = new JsonObject
            {
                ["passed"] = report.Passed,
                ["failed"] = report.Failed,
                ["skipped"] = report.Skipped,
                ["required_waived_by_wildcard"] = report.RequiredWaivedByWildcard,
                ["line"] = report.Summary,
            },
            ["diagnoses"] = Diagnoses(report.Diagnoses),
            ["notices"] = Strings(RunNotices.For(report)),
            ["harness_unstable"] = T(report.HarnessUnstable),
            ["warnings"] = Strings(report.Warnings),
            ["cases"] = new JsonArray([.. report.Cases.Select(Case)]),
            ["stderr"] = T(report.Stderr),
        };
        return json.ToJsonString(s_options) + "\n";
    }

    private static JsonObject Case(CaseReport report) => new()
    {
        ["id"] = T(report.Id),
        ["required"] = report.Required,
        ["verdict"] = Snake(report.Verdict.ToString()),
        ["outcome"] = Snake(report.Outcome.ToString()),
        ["message"] = T(report.Message),
        ["seconds"] = Math.Round(report.Seconds, 4),
        ["expectation"] = report.Expectation is null ? null : new JsonObject
        {
            ["pattern"] = T(report.Expectation.Pattern),
            ["status"] = report.Expectation.Status == ExpectationStatus.Fail ? "fail" : "skip",
            ["reason"] = T(report.Expectation.Reason),
            ["url"] = T(report.Expectation.Url),
        },
        ["outputs"] = new JsonArray([.. report.Outputs.Select(o => (JsonNode)new JsonObject
        {
            ["name"] = T(o.Name),
            ["passed"] = o.Passed,
            ["worst_index"] = o.WorstIndex,
            ["reference"] = Number(o.Reference),
            ["actual"] = Number(o.Actual),
            ["tolerance"] = Number(o.Tolerance),
            ["error_ulps"] = Number(o.ErrorUlps),
            ["error_over_tolerance"] = Number(o.WorstRatio),
        })]),
        ["diagnosis"] = new JsonArray([.. report.Findings.Select(f => (JsonNode)new JsonObject
        {
            ["convention"] = WrongConventions.Name(f.Convention),
            ["explanation"] = T(f.Explanation),
        })]),
        ["ambiguity"] = report.Ambiguity is not { } ambiguity ? null : new JsonObject
        {
            ["explanation"] = T(ambiguity.Explanation),
            ["candidates"] = new JsonArray([.. ambiguity.Candidates.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = T(c.Name),
                ["convention"] = c.Convention is { } convention ? WrongConventions.Name(convention) : null,
                ["residual"] = Number(c.Residual),
            })]),
        },
    };

    private static JsonObject Diagnoses(DiagnosisCounts counts) => new()
    {
        ["failing"] = counts.Failing,
        ["by_name"] = new JsonArray([.. counts.ByName.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["cases"] = c.Cases })]),
        ["ambiguous"] = new JsonArray([.. counts.Ambiguous.Select(c => (JsonNode)new JsonObject { ["names"] = c.Name, ["cases"] = c.Cases })]),
        ["none"] = counts.Undiagnosed,
    };

    /// <summary>JSON has no NaN or infinity: those become the strings "nan", "inf", "-inf".</summary>
    private static JsonNode Number(double value) =>
        double.IsNaN(value) ? "nan" : double.IsPositiveInfinity(value) ? "inf" : double.IsNegativeInfinity(value) ? "-inf" : JsonValue.Create(value);

    private static JsonArray Strings(IEnumerable<string> values) => [.. values.Select(v => (JsonNode)ReportText.Neutralize(v))];

    /// <summary>A text for the report, neutralized; null stays null.</summary>
    private static string? T(string? text) => text is null ? null : ReportText.Neutralize(text);

    private static string Snake(string pascal) => string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
