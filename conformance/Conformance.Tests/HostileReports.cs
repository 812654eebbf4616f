using System.Collections.Immutable;
using BatchNormAxis.Conformance.Diagnosis;
using BatchNormAxis.Conformance.Protocol;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>Run reports full of what a hostile or broken harness can send, for the report writers' tests.</summary>
internal static class HostileReports
{
    /// <summary>Terminal escapes (colour, window title, BEL), NUL, NEL and a C1 CSI, a bidi override, noncharacters, lone surrogates and astral characters.</summary>
    public const string Text = "nul\0 bel\a esc\u001b[31mred\u001b[0m title\u001b]0;owned\u0007 nel\u0085 csi\u009b2J rlo\u202egnp.exe nonchar\ufffe\uffff lone\ud800 \udc00x astral\U0001F600\U0001D518 tab\tcr\rlf\n";

    /// <summary>A message of more than 1 MB ending in an escape sequence.</summary>
    public static string Huge { get; } = new string('m', 1 << 20) + "\u001b[2J";

    /// <summary>A report with the given text in every field a harness or a file can fill, one case of each verdict and outcome.</summary>
    public static RunReport With(string text, string? incomplete = null, FixtureProvenance? provenance = null, string? message = null)
    {
        var capabilities = new HarnessCapabilities(
            text,
            text,
            text,
            ImmutableHashSet.Create("float32"),
            ImmutableHashSet.Create(1, 2, 3, 4, 5),
            [.. HarnessCapabilities.AllFeatures]);
        var expectation = new Expectation("keep.r2.k0.train.f32", ExpectationStatus.Fail, text, text);
        var output = new OutputComparison(text, false, 3, 1.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 2.5);
        var finding = new Finding(WrongConvention.UnbiasedMovingVariance, text);
        string body = message ?? text;
        List<CaseReport> cases =
        [
            new("keep.r2.k0.train.f32", true, CaseVerdict.Failed, Outcome.Failed, body, [output], [finding], null, 0.5),
            new("keep.r2.k1.train.f32", true, CaseVerdict.Crashed, Outcome.Failed, body, [], [], null, 0.1),
            new("keep.r2.k1.infer.f32", true, CaseVerdict.Timeout, Outcome.Failed, body, [], [], null, 2),
            new("frozen.r4.k1.f32", true, CaseVerdict.Errored, Outcome.Failed, body, [], [], null, 0.1),
            new("frozen.r4.k3.f32", true, CaseVerdict.NotRun, Outcome.Failed, body, [], [], null, 0),
            new("keep.r2.k0.infer.f32", true, CaseVerdict.Passed, Outcome.Passed, null, [], [], null, 0.1),
            new("keep.r2.k0.train.f64", false, CaseVerdict.Unsupported, Outcome.Skipped, body, [], [], null, 0),
            new("keep.r2.k0.infer.f64", false, CaseVerdict.Failed, Outcome.Skipped, body, [output], [], expectation, 0.2),
            new("keep.r3.k0.train.f32", true, CaseVerdict.Skipped, Outcome.Failed, body, [], [], expectation with { Pattern = "keep.*", Status = ExpectationStatus.Skip }, 0),
        ];
        return new RunReport(capabilities, text, FixtureLocation.Set.Manifest, DateTimeOffset.UnixEpoch, 3.25, cases, [text, "plain warning"], text, text)
        {
            Incomplete = incomplete,
            Provenance = provenance ?? FixtureProvenance.Unknown,
        };
    }
}
