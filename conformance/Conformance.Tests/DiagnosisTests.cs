using BatchNormAxis.Conformance.Diagnosis;
using BatchNormAxis.Conformance.Tests.Calibration;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// The diagnosis names the mistake an independent implementation makes: the float32 variants of the calibration
/// tests (other code, other arithmetic) are run on the cases they fail, and the diagnosis must name their convention.
/// </summary>
public class DiagnosisTests(ITestOutputHelper output)
{
    public static TheoryData<Convention, WrongConvention> Pairs => new()
    {
        { Convention.UnbiasedMovingVariance, WrongConvention.UnbiasedMovingVariance },
        { Convention.PyTorchMomentum, WrongConvention.PyTorchMomentum },
        { Convention.EpsilonOutsideRoot, WrongConvention.EpsilonOutsideRoot },
        { Convention.InvertedAxisMeaning, WrongConvention.InvertedAxisMeaning },
        { Convention.ChannelAsLastAxis, WrongConvention.ChannelAsLastAxis },
        { Convention.GammaBetaSwapped, WrongConvention.GammaBetaSwapped },
        { Convention.FrozenIgnored, WrongConvention.FrozenIgnored },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Diagnosis_NamesTheConventionOfAnIndependentImplementation(Convention convention, WrongConvention expected)
    {
        var implementation = new Float32Variant(Summation.Sequential, foldScaleAndShift: false, convention);
        var failing = new List<(FixtureCase Case, CaseResponse Response)>();
        foreach (ManifestEntry entry in FixtureLocation.Set.Manifest.Cases.Where(e => e.DType == FixtureDType.Float32 && e.Kind is FixtureKind.Forward or FixtureKind.Backward && !e.Capabilities.Contains("mask")))
        {
            FixtureCase fixture = FixtureLocation.Set.ReadCase(entry.Id);
            CaseResponse response = CaseExecutor.Execute(fixture, implementation);
            if (CaseGrader.Grade(fixture, response).Verdict == CaseVerdict.Failed)
            {
                failing.Add((fixture, response));
            }
        }

        List<string> missed = [.. failing.Where(f => !Diagnoser.Diagnose(f.Case, f.Response).Any(d => d.Convention == expected)).Select(f => f.Case.Id)];

        output.WriteLine($"{convention}: named in {failing.Count - missed.Count} of {failing.Count} failing cases");
        Assert.NotEmpty(failing);
        Assert.True(missed.Count <= failing.Count / 10, $"{expected} not named in {missed.Count} of {failing.Count} failing cases, e.g. {string.Join(", ", missed.Take(5))}");
    }

    [Fact]
    public void Diagnosis_OfSinglePassVariance_OnLargeOffsetData()
    {
        FixtureCase fixture = FixtureLocation.Set.ReadCase("data.large-offset.r2.k1.train.f32");
        CaseResponse response = CaseExecutor.Execute(fixture, new Float32Variant(Summation.SinglePassWrong, foldScaleAndShift: false));

        Assert.Equal(CaseVerdict.Failed, CaseGrader.Grade(fixture, response).Verdict);
        Assert.Contains(Diagnoser.Diagnose(fixture, response), d => d.Convention == WrongConvention.SinglePassVariance);
    }

    [Fact]
    public void Diagnosis_OfACorrectAnswer_FindsNothingToBlame()
    {
        FixtureCase fixture = FixtureLocation.Set.ReadCase("keep.r4.k1.train.f32");
        CaseResponse response = CaseExecutor.Execute(fixture, ScalarBatchNorm.Instance);

        Assert.Empty(Diagnoser.Diagnose(fixture, response));
    }
}
