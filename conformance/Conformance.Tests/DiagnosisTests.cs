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
        foreach (ManifestEntry entry in FixtureLocation.Set.Manifest.Cases.Where(e => e.DType == FixtureDType.Float32 && e.Kind is FixtureKind.Forward or FixtureKind.Backward && !e.Capabilities.Contains("mask") && !e.Capabilities.Contains("renorm")))
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
    public void Diagnosis_OfFloat32Hyperparameters_OnFloat64Data()
    {
        // ONNX's float attributes: the reference itself, run with momentum and epsilon rounded to float32.
        FixtureCase fixture = FixtureLocation.Set.ReadCase("keep.r4.k1.train.f64");
        BatchNormOptions rounded = fixture.Options with { Momentum = (float)fixture.Options.Momentum, Epsilon = (float)fixture.Options.Epsilon };
        CaseResponse response = CaseExecutor.Execute(fixture with { Options = rounded }, ScalarBatchNorm.Instance);

        Assert.Equal(CaseVerdict.Failed, CaseGrader.Grade(fixture, response).Verdict);
        Assert.Contains(Diagnoser.Diagnose(fixture, response), d => d.Convention == WrongConvention.Float32Hyperparameters);
    }

    [Fact]
    public void Diagnosis_OfNaNMovingVariance_WithOneValuePerChannel()
    {
        // PyTorch's ATen batch_norm: the unbiased estimator var * n / (n - 1) with n = 1 is 0 * 1 / 0, computed here in float32.
        FixtureCase fixture = FixtureLocation.Set.ReadCase("data.one-per-channel.r2.k1.train.f32");
        CaseResponse keras = CaseExecutor.Execute(fixture, new Float32Variant(Summation.Sequential, foldScaleAndShift: false));
        float n = 1f;
        float unbiased = 0f * n / (n - 1f);
        float momentum = (float)fixture.Options.Momentum;
        double[] movingVariance = [.. fixture.Inputs["moving_variance"].Values.Select(v => (double)((momentum * (float)v) + ((1f - momentum) * unbiased)))];
        CaseResponse response = CaseResponse.WithOutputs(new Dictionary<string, double[]>(keras.Outputs) { ["moving_variance"] = movingVariance });

        Assert.Equal(CaseVerdict.Failed, CaseGrader.Grade(fixture, response).Verdict);
        Finding finding = Assert.Single(Diagnoser.Diagnose(fixture, response), d => d.Convention == WrongConvention.UnbiasedMovingVariance);
        Assert.Contains("NaN", finding.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnosis_OfTwoConventionsAtOnce_NamesBoth()
    {
        // A framework with PyTorch's unbiased moving variance and no trainable flag: the independent float32 variant,
        // run on a frozen case as if the layer were trainable.
        FixtureCase fixture = FixtureLocation.Set.ReadCase("frozen.r4.k1.f32");
        var implementation = new Float32Variant(Summation.Sequential, foldScaleAndShift: false, Convention.UnbiasedMovingVariance);
        CaseResponse response = CaseExecutor.Execute(fixture with { Options = fixture.Options with { Trainable = true } }, implementation);

        Assert.Equal(CaseVerdict.Failed, CaseGrader.Grade(fixture, response).Verdict);
        IReadOnlyList<Finding> findings = Diagnoser.Diagnose(fixture, response);
        Assert.Contains(findings, d => d.Convention == WrongConvention.FrozenIgnored);
        Assert.Contains(findings, d => d.Convention == WrongConvention.UnbiasedMovingVariance && d.Explanation.Contains("together with frozen_ignored", StringComparison.Ordinal));
    }

    [Fact]
    public void Diagnosis_OfACorrectAnswer_FindsNothingToBlame()
    {
        FixtureCase fixture = FixtureLocation.Set.ReadCase("keep.r4.k1.train.f32");
        CaseResponse response = CaseExecutor.Execute(fixture, ScalarBatchNorm.Instance);

        Assert.Empty(Diagnoser.Diagnose(fixture, response));
    }
}
