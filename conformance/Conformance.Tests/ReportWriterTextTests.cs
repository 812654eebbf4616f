using System.Text.Json;
using System.Xml.Linq;
using BatchNormAxis.Conformance.Reports;
using BatchNormAxis.Conformance.Running;
using CsCheck;
using Json.Schema;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// Whatever a harness sends (control characters, escape sequences, lone surrogates, astral characters, a megabyte
/// message), the JSON report parses and validates against report.schema.json, the JUnit XML parses, and the HTML holds
/// no raw control character.
/// </summary>
public class ReportWriterTextTests
{
    /// <summary>The hostile text as docs/protocol.md says every report shows it: unsafe characters as \xHH or \uHHHH, the rest as itself.</summary>
    private const string Shown = @"nul\x00 bel\x07 esc\x1b[31mred\x1b[0m title\x1b]0;owned\x07 nel\x85 csi\x9b2J rlo\u202egnp.exe nonchar\ufffe\uffff lone\ud800 \udc00x astral" + "\U0001F600\U0001D518 tab\tcr\rlf\n";

    private static readonly Lazy<JsonSchema> s_schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(ProtocolSchema("report.schema.json")), new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    public static TheoryData<string> HostileTexts => new() { HostileReports.Text, HostileReports.Huge, "", "\ud800", "\udfff\ud800" };

    [Theory]
    [MemberData(nameof(HostileTexts))]
    public void Json_ParsesAndValidatesAgainstTheSchema(string text)
    {
        AssertValidJson(JsonReportWriter.Write(HostileReports.With(text)));
    }

    [Fact]
    public void Json_ShowsUnsafeCharactersAsCodesAndKeepsAstralCharacters()
    {
        using JsonDocument document = JsonDocument.Parse(JsonReportWriter.Write(HostileReports.With(HostileReports.Text)));

        JsonElement root = document.RootElement;
        Assert.Equal(Shown, root.GetProperty("implementation").GetProperty("name").GetString());
        Assert.Equal(Shown, root.GetProperty("stderr").GetString());
        Assert.Equal(Shown, root.GetProperty("cases")[0].GetProperty("message").GetString());
        Assert.Equal(Shown, root.GetProperty("cases")[0].GetProperty("diagnosis")[0].GetProperty("explanation").GetString());
    }

    [Theory]
    [MemberData(nameof(HostileTexts))]
    public void JUnit_Parses(string text)
    {
        XDocument xml = XDocument.Parse(JUnitReportWriter.Write(HostileReports.With(text)));

        Assert.Equal(9, xml.Descendants("testcase").Count());
    }

    [Fact]
    public void JUnit_KeepsAstralCharactersAndShowsControlCharactersAsCodes()
    {
        XDocument xml = XDocument.Parse(JUnitReportWriter.Write(HostileReports.With(HostileReports.Text)));

        string name = xml.Root!.Attribute("name")!.Value;
        Assert.Contains("astral\U0001F600\U0001D518", name, StringComparison.Ordinal);
        Assert.Contains(@"esc\x1b[31mred", name, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', xml.ToString());
        Assert.Equal(Shown, xml.Descendants("system-err").Single().Value.ReplaceLineEndings("\n").Replace("cr\nlf", "cr\rlf", StringComparison.Ordinal));
    }

    [Fact]
    public void JUnit_HarnessFaultsAreErrorsWrongOutputsFailuresAndEveryCountAddsUp()
    {
        XDocument xml = XDocument.Parse(JUnitReportWriter.Write(HostileReports.With("text")));
        XElement root = xml.Root!;

        // keep: failed and waived-by-wildcard are failures, crashed and timeout errors; frozen: errored and not run errors.
        XElement keep = Suite(xml, "keep");
        Assert.Equal((7, 2, 2, 2), Counts(keep));
        Assert.Equal(["Crashed", "Timeout"], keep.Descendants("error").Select(e => e.Attribute("type")!.Value).Order());
        Assert.Equal((2, 0, 2, 0), Counts(Suite(xml, "frozen")));
        Assert.Equal((9, 2, 4, 2), Counts(root));
        foreach (XElement suite in root.Elements("testsuite"))
        {
            List<XElement> testCases = [.. suite.Elements("testcase")];
            Assert.Equal(
                (testCases.Count, testCases.Count(t => t.Element("failure") is not null), testCases.Count(t => t.Element("error") is not null), testCases.Count(t => t.Element("skipped") is not null)),
                Counts(suite));
        }

        Assert.Empty(root.Elements("system-err"));
        Assert.Equal("bnaxis", Assert.Single(xml.Descendants("system-err")).Parent!.Attribute("name")!.Value);
        Assert.Equal("1", Property(xml, "required_waived_by_wildcard"));
    }

    [Fact]
    public void IncompleteRun_IsLoudInEveryReport()
    {
        RunReport report = HostileReports.With("text", incomplete: "interrupted by SIGINT after 5 of 9 cases");
        const string Notice = "the run is incomplete: interrupted by SIGINT after 5 of 9 cases; it does not show conformance";

        using JsonDocument json = JsonDocument.Parse(JsonReportWriter.Write(report));
        Assert.Equal("interrupted by SIGINT after 5 of 9 cases", json.RootElement.GetProperty("incomplete").GetString());
        Assert.Equal(Notice, json.RootElement.GetProperty("notices")[0].GetString());

        XDocument xml = XDocument.Parse(JUnitReportWriter.Write(report));
        XElement run = xml.Descendants("testcase").Single(t => t.Attribute("name")!.Value == "run completed");
        Assert.Equal("the run is incomplete: interrupted by SIGINT after 5 of 9 cases", run.Element("error")!.Attribute("message")!.Value);
        Assert.Equal("interrupted by SIGINT after 5 of 9 cases", Property(xml, "incomplete"));
        Assert.Equal((10, 2, 5, 2), Counts(xml.Root!));

        Assert.Contains($"<p class=\"failed\"><b>{Notice}</b></p>", HtmlReportWriter.Write(report), StringComparison.Ordinal);
    }

    [Fact]
    public void FinishedRun_HasNoIncompleteMarks()
    {
        RunReport report = HostileReports.With("text");

        using JsonDocument json = JsonDocument.Parse(JsonReportWriter.Write(report));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("incomplete").ValueKind);
        Assert.DoesNotContain("incomplete", HtmlReportWriter.Write(report), StringComparison.Ordinal);
        Assert.Null(Property(XDocument.Parse(JUnitReportWriter.Write(report)), "incomplete"));
    }

    [Theory]
    [InlineData("1.0.0", "official suite 1.0.0 (manifest sha256 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef)")]
    [InlineData(null, "modified: not an official suite (manifest sha256 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef)")]
    public void Provenance_IsInEveryReport(string? official, string line)
    {
        RunReport report = HostileReports.With("text", provenance: new FixtureProvenance("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", official));

        string json = JsonReportWriter.Write(report);
        AssertValidJson(json);
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement provenance = document.RootElement.GetProperty("provenance");
        Assert.Equal("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", provenance.GetProperty("manifest_sha256").GetString());
        Assert.Equal(official, provenance.GetProperty("official_suite_version").GetString());
        Assert.Equal(official is not null, provenance.GetProperty("official").GetBoolean());
        Assert.Equal(line, provenance.GetProperty("line").GetString());
        Assert.Equal(line, Property(XDocument.Parse(JUnitReportWriter.Write(report)), "fixtures.provenance"));
        Assert.Contains($"fixture provenance: {line}", HtmlReportWriter.Write(report), StringComparison.Ordinal);
    }

    [Fact]
    public void RequiredCaseWaivedByAWildcard_IsLoudInEveryReport()
    {
        RunReport report = HostileReports.With("text");
        const string Notice = "1 required case was waived by wildcard entries; a required case can only be waived by its exact id; the run is not conformant";

        using JsonDocument json = JsonDocument.Parse(JsonReportWriter.Write(report));
        Assert.Equal(1, json.RootElement.GetProperty("summary").GetProperty("required_waived_by_wildcard").GetInt32());
        Assert.Equal(Notice, json.RootElement.GetProperty("notices")[0].GetString());
        Assert.Equal(Notice, Property(XDocument.Parse(JUnitReportWriter.Write(report)), "notice"));
        Assert.Contains(Notice, HtmlReportWriter.Write(report), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(HostileTexts))]
    public void Html_HoldsNoRawControlCharacter(string text)
    {
        string page = HtmlReportWriter.Write(HostileReports.With(text));

        Assert.Equal(-1, FirstRawControl(page));
    }

    [Fact]
    public void Html_ShowsEscapesAsCodes()
    {
        string page = HtmlReportWriter.Write(HostileReports.With(HostileReports.Text));

        Assert.Contains(@"esc\x1b[31mred\x1b[0m title\x1b]0;owned\x07 nel\x85", page, StringComparison.Ordinal);
        Assert.Contains("&#128512;", page, StringComparison.Ordinal);
    }

    [Fact]
    public void AnyText_GivesValidReports()
    {
        Gen.Char[char.MinValue, char.MaxValue].Array[0, 24].Select(chars => new string(chars)).Sample(
            text =>
            {
                RunReport report = HostileReports.With(text);
                using (JsonDocument.Parse(JsonReportWriter.Write(report)))
                {
                }

                XDocument.Parse(JUnitReportWriter.Write(report));
                Assert.Equal(-1, FirstRawControl(HtmlReportWriter.Write(report)));
            },
            iter: 300);
    }

    private static void AssertValidJson(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        EvaluationResults validation = s_schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(validation.IsValid, string.Join("; ", (validation.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
        Assert.Equal("1.3.0", document.RootElement.GetProperty("report_version").GetString());
    }

    /// <summary>The index of the first C0 control but tab, LF and CR, DEL, C1 control or lone surrogate; -1 if none.</summary>
    private static int FirstRawControl(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if ((c < ' ' && c is not ('\t' or '\n' or '\r')) || c is >= '\u007f' and <= '\u009f' || char.IsSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }

    private static XElement Suite(XDocument xml, string name) => xml.Root!.Elements("testsuite").Single(s => s.Attribute("name")!.Value == name);

    private static (int Tests, int Failures, int Errors, int Skipped) Counts(XElement element) =>
        (Count(element, "tests"), Count(element, "failures"), Count(element, "errors"), Count(element, "skipped"));

    private static int Count(XElement element, string attribute) => int.Parse(element.Attribute(attribute)!.Value, System.Globalization.CultureInfo.InvariantCulture);

    private static string? Property(XDocument xml, string name) =>
        xml.Descendants("property").FirstOrDefault(p => p.Attribute("name")!.Value == name)?.Attribute("value")!.Value;

    private static string ProtocolSchema(string schema)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Conformance.sln")))
            {
                return Path.Combine(directory.FullName, "conformance", "protocol", schema);
            }
        }

        throw new InvalidOperationException("Conformance.sln not found above the test directory");
    }
}
