using BatchNormAxis.Conformance.Diagnosis;
using BatchNormAxis.Conformance.Running;
using BatchNormAxis.Conformance.Tests.Calibration;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// Issue 13: PyTorch's unbiased moving variance on the large-offset float32 case fails it, yet its answer is within
/// the diagnosis tolerance of Keras' own result too, so the case cannot say which: the report says so, with the
/// residuals, as an ambiguity and never as a diagnosis.
/// </summary>
public class AmbiguityTests
{
    private const string LargeOffset = "data.large-offset.r2.k1.train.f32";

    public static TheoryData<string> UnbiasedFloat32 => new()
    {
        "sequential",
        "welford",
        "pairwise",
    };

    private static IBatchNormalization Implementation(string summation) => new Float32Variant(
        summation switch { "welford" => Summation.Welford, "pairwise" => Summation.Pairwise, _ => Summation.Sequential },
        false,
        Convention.UnbiasedMovingVariance);

    [Theory]
    [MemberData(nameof(UnbiasedFloat32))]
    public void UnbiasedMovingVariance_OnLargeOffsetFloat32_IsReportedAsAmbiguous_NotNamed(string summation)
    {
        FixtureCase fixture = FixtureLocation.Set.ReadCase(LargeOffset);
        CaseResponse response = CaseExecutor.Execute(fixture, Implementation(summation));
        Assert.Equal(CaseVerdict.Failed, CaseGrader.Grade(fixture, response).Verdict);

        DiagnosisResult result = Diagnoser.Examine(fixture, response);

        Assert.Empty(result.Findings);
        Assert.NotNull(result.Ambiguity);
        AmbiguousCandidate[] candidates = [.. result.Ambiguity.Candidates];
        Assert.True(candidates.Length >= 2);
        Assert.Equal("unbiased_moving_variance", candidates[0].Name);
        Assert.Contains(candidates, c => c.Name == "keras" && c.Convention is null);
        Assert.All(candidates, c => Assert.InRange(c.Residual, 0, 4));
        Assert.StartsWith("cannot be told apart on this case: unbiased_moving_variance (worst error ", result.Ambiguity.Explanation, StringComparison.Ordinal);
        Assert.Contains(" or keras (worst error ", result.Ambiguity.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Ambiguity_IsCountedApart_InTheRunReport()
    {
        ManifestEntry[] selected = [.. FixtureLocation.Set.Manifest.Cases.Where(e => e.Id is LargeOffset or "keep.r4.k1.train.f32")];
        using var driver = new InProcessDriver(Implementation("sequential"));

        RunReport report = ConformanceRunner.Run(FixtureLocation.Set, selected, driver, Expectations.None, null, cancellation: TestContext.Current.CancellationToken);

        CaseReport ambiguous = report.Cases.Single(c => c.Id == LargeOffset);
        Assert.Empty(ambiguous.Findings);
        Assert.NotNull(ambiguous.Ambiguity);
        DiagnosisCounts counts = report.Diagnoses;
        Assert.Equal(1, counts.Ambiguous.Sum(a => a.Cases));
        Assert.StartsWith("unbiased_moving_variance or ", counts.Ambiguous[0].Name, StringComparison.Ordinal);
        Assert.Equal(0, counts.Undiagnosed);
        Assert.Contains("; cannot be told apart: unbiased_moving_variance or ", counts.Line, StringComparison.Ordinal);
        Assert.Contains("\"ambiguity\": {", Reports.JsonReportWriter.Write(report), StringComparison.Ordinal);
        Assert.Contains("ambiguous: cannot be told apart on this case", Reports.HtmlReportWriter.Write(report), StringComparison.Ordinal);
        Assert.Contains("\nambiguous: cannot be told apart on this case", Reports.JUnitReportWriter.Write(report), StringComparison.Ordinal);
    }
}
