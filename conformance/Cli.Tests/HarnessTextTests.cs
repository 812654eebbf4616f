using System.Collections.Immutable;
using System.Text.Json;
using System.Xml.Linq;
using BatchNormAxis.Conformance;
using BatchNormAxis.Conformance.Diagnosis;
using BatchNormAxis.Conformance.Protocol;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// Escape sequences and control characters from a harness never reach the terminal raw: the console shows them as
/// <c>\x1b</c>-style codes, and every report file stays valid.
/// </summary>
public sealed class HarnessTextTests : IDisposable
{
    private const string Hostile = "esc\u001b[31mred\u001b]0;title\u0007 nul\0 csi\u009b2J nel\u0085 rlo\u202e lone\ud800 astral\U0001F600\r\nsecond line";
    private readonly string _directory = Directory.CreateTempSubdirectory("bnaxis-harness-text-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ConsoleReport_ShowsControlCharactersAsCodesOnOneLine()
    {
        using var output = new StringWriter();

        ConsoleReport.Write(output, Report());

        string text = output.ToString();
        AssertNoRawControl(text);
        Assert.Contains(@"FAIL keep.r2.k0.train.f32: esc\x1b[31mred\x1b]0;title\x07 nul\x00 csi\x9b2J nel |  rlo\u202e lone\ud800 astral" + "\U0001F600 | second line\n", text, StringComparison.Ordinal);
        Assert.Contains(@"     diagnosis: esc\x1b[31mred", text, StringComparison.Ordinal);
        Assert.Contains(@"warning: esc\x1b[31mred", text, StringComparison.Ordinal);
        Assert.Contains(@"harness unstable: esc\x1b[31mred", text, StringComparison.Ordinal);
        Assert.Contains("\nfixtures: unknown (no manifest hash recorded)\n", text, StringComparison.Ordinal);
        Assert.Contains("\n!!! the run is incomplete: " + @"esc\x1b[31mred", text, StringComparison.Ordinal);
        Assert.Contains("\n" + @"esc\x1b[31mred\x1b]0;title\x07 nul\x00 csi\x9b2J nel |  rlo\u202e lone\ud800 astral" + "\U0001F600 | second line: 1 cases in ", "\n" + text, StringComparison.Ordinal);
    }

    [Fact]
    public void HarnessSendingEscapes_ReachesNeitherTheConsoleNorTheReportsRaw()
    {
        string json = Path.Combine(_directory, "report.json");
        string junit = Path.Combine(_directory, "report.xml");
        string html = Path.Combine(_directory, "report.html");

        // The html-injection fake harness, its name and its skip messages rewritten on the way to carry JSON-escaped
        // ESC, BEL, NUL and C1 characters (sed -u: unbuffered, so each reply passes at once).
        string harness = FakeHarnesses.Command("html-injection")
            + @" | sed -u -e 's/fake <img src=x onerror=alert(1)>/fake \\u001b[31mred\\u001b]0;title\\u0007\\u0000\\u009b/' -e 's/""message"":""/""message"":""\\u001b[2J\\u0085/'";
        CliResult result = CliRun.Invoke(
            "run", "--harness", harness, "--fixtures", FakeHarnesses.Fixtures(), "--startup-timeout", "10", "--case-timeout", "10",
            "--filter", "keep.r2.*", "--json", json, "--junit", junit, "--html", html);

        Assert.Equal(1, result.ExitCode); // the harness skips the 4 required cases
        AssertNoRawControl(result.Output);
        AssertNoRawControl(result.Error);
        Assert.Contains(@"Running 12 cases on fake \x1b[31mred\x1b]0;title\x07\x00\x9b", result.Error, StringComparison.Ordinal);
        Assert.Contains(@"FAIL keep.r2.k0.infer.f32: skipped by the implementation: \x1b[2J | <script>", result.Output, StringComparison.Ordinal);
        Assert.Contains("\n" + @"fake \x1b[31mred\x1b]0;title\x07\x00\x9b: 12 cases in ", "\n" + result.Output, StringComparison.Ordinal);
        using (JsonDocument document = JsonDocument.Parse(File.ReadAllText(json)))
        {
            Assert.Equal(@"fake \x1b[31mred\x1b]0;title\x07\x00\x9b", document.RootElement.GetProperty("implementation").GetProperty("name").GetString());
        }

        Assert.Equal(@"BatchNormAxis conformance: fake \x1b[31mred\x1b]0;title\x07\x00\x9b", XDocument.Load(junit).Root!.Attribute("name")!.Value);
        AssertNoRawControl(File.ReadAllText(html));
    }

    private static RunReport Report()
    {
        var capabilities = new HarnessCapabilities(Hostile, Hostile, Hostile, ImmutableHashSet.Create("float32"), ImmutableHashSet.Create(2), [.. HarnessCapabilities.AllFeatures]);
        CaseReport failure = new("keep.r2.k0.train.f32", true, CaseVerdict.Failed, Outcome.Failed, Hostile, [], [new Finding(WrongConvention.PyTorchMomentum, Hostile)], null, 0.1);
        FixtureManifest manifest = FixtureSet.Open(FakeHarnesses.Fixtures()).Manifest;
        return new RunReport(capabilities, Hostile, manifest, DateTimeOffset.UnixEpoch, 1, [failure], [Hostile], Hostile, Hostile) { Incomplete = Hostile };
    }

    /// <summary>No C0 control but tab and line feed, no DEL or C1 control, no lone surrogate: nothing a terminal acts on.</summary>
    private static void AssertNoRawControl(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            Assert.False((c < ' ' && c is not ('\t' or '\n')) || c is >= '\u007f' and <= '\u009f' || char.IsSurrogate(c), $"raw U+{(int)c:X4} at {i}: ...{text[Math.Max(0, i - 40)..i]}");
        }
    }
}
