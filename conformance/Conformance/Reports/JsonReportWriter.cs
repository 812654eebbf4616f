using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using BatchNormAxis.Conformance.Diagnosis;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Conformance.Reports;

/// <summary>The JSON report (schema: conformance/protocol/report.schema.json).</summary>
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
                ["name"] = report.Implementation.Name,
                ["version"] = report.Implementation.Version,
                ["language"] = report.Implementation.Language,
                ["command"] = report.Command,
                ["dtypes"] = Strings(report.Implementation.DTypes.Order(StringComparer.Ordinal)),
                ["ranks"] = new JsonArray([.. report.Implementation.Ranks.Order().Select(r => (JsonNode)r)]),
                ["features"] = Strings(report.Implementation.Features.Order(StringComparer.Ordinal)),
            },
            ["fixtures"] = new JsonObject
            {
                ["format_version"] = report.Fixtures.FormatVersion,
                ["suite_version"] = report.Fixtures.SuiteVersion,
                ["case_count"] = report.Fixtures.Cases.Length,
            },
            ["started"] = report.Started.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["seconds"] = Math.Round(report.Seconds, 3),
            ["summary"] = new JsonObject
            {
                ["passed"] = report.Passed,
                ["failed"] = report.Failed,
                ["skipped"] = report.Skipped,
                ["line"] = report.Summary,
            },
            ["harness_unstable"] = report.HarnessUnstable,
            ["warnings"] = Strings(report.Warnings),
            ["cases"] = new JsonArray([.. report.Cases.Select(Case)]),
            ["stderr"] = report.Stderr,
        };
        return json.ToJsonString(s_options) + "\n";
    }

    private static JsonObject Case(CaseReport report) => new()
    {
        ["id"] = report.Id,
        ["required"] = report.Required,
        ["verdict"] = Snake(report.Verdict.ToString()),
        ["outcome"] = Snake(report.Outcome.ToString()),
        ["message"] = report.Message,
        ["seconds"] = Math.Round(report.Seconds, 4),
        ["expectation"] = report.Expectation is null ? null : new JsonObject
        {
            ["pattern"] = report.Expectation.Pattern,
            ["status"] = report.Expectation.Status == ExpectationStatus.Fail ? "fail" : "skip",
            ["reason"] = report.Expectation.Reason,
            ["url"] = report.Expectation.Url,
        },
        ["outputs"] = new JsonArray([.. report.Outputs.Select(o => (JsonNode)new JsonObject
        {
            ["name"] = o.Name,
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
            ["explanation"] = f.Explanation,
        })]),
    };

    /// <summary>JSON has no NaN or infinity: those become the strings "nan", "inf", "-inf".</summary>
    private static JsonNode Number(double value) =>
        double.IsNaN(value) ? "nan" : double.IsPositiveInfinity(value) ? "inf" : double.IsNegativeInfinity(value) ? "-inf" : JsonValue.Create(value);

    private static JsonArray Strings(IEnumerable<string> values) => [.. values.Select(v => (JsonNode)v)];

    private static string Snake(string pascal) => string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
