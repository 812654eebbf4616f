namespace BatchNormAxis.Conformance.Tests.Calibration;

/// <summary>
/// The tolerance model separates correct implementations from known-wrong ones (docs/tolerance.md): every correct
/// float32 variant passes every float32 case it can run, and every known-wrong convention fails the cases that
/// can tell it apart.
/// </summary>
public class ToleranceCalibrationTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyList<FixtureCase>> s_float32Cases = new(() =>
        [.. FixtureLocation.Set.Manifest.Cases
            .Where(e => e.DType == FixtureDType.Float32 && e.Kind != FixtureKind.Invalid && !e.Capabilities.Contains("mask"))
            .Select(e => FixtureLocation.Set.ReadCase(e.Id))]);

    /// <summary>The wrong conventions are plain batch normalization's: they run on the cases without renorm.</summary>
    private static readonly Lazy<IReadOnlyList<FixtureCase>> s_plainCases = new(() => [.. s_float32Cases.Value.Where(c => c.Options.Renorm is null)]);

    public static TheoryData<string> CorrectVariants => [.. s_correct.Keys];

    public static TheoryData<string> WrongConventions => [.. s_wrong.Keys];

    private static readonly Dictionary<string, IBatchNormalization> s_correct = new[]
    {
        new Float32Variant(Summation.Sequential, foldScaleAndShift: false),
        new Float32Variant(Summation.Reverse, foldScaleAndShift: false),
        new Float32Variant(Summation.Pairwise, foldScaleAndShift: true),
        new Float32Variant(Summation.Welford, foldScaleAndShift: false),
        new Float32Variant(Summation.Welford, foldScaleAndShift: true),
        new Float32Variant(Summation.ChunkedChan, foldScaleAndShift: true),
        new Float32Variant(Summation.Sequential, foldScaleAndShift: true),
    }.ToDictionary(v => v.Name, v => (IBatchNormalization)v);

    /// <summary>Each wrong convention with the family of cases it must fail: id prefix and minimum share failed.</summary>
    private static readonly Dictionary<string, (IBatchNormalization Implementation, Func<FixtureCase, bool> MustFail)> s_wrong = new()
    {
        ["unbiased-moving-variance"] = (new Float32Variant(Summation.Sequential, false, Convention.UnbiasedMovingVariance), c => IsTrainingKeepSet(c)),
        ["pytorch-momentum"] = (new Float32Variant(Summation.Sequential, false, Convention.PyTorchMomentum), c => IsTrainingKeepSet(c)),
        ["epsilon-outside-root"] = (new Float32Variant(Summation.Sequential, false, Convention.EpsilonOutsideRoot), c => c.Id.StartsWith("keep.", StringComparison.Ordinal) && !(c.Training && ReductionCount(c) == 1)),
        ["inverted-axis-meaning"] = (new Float32Variant(Summation.Sequential, false, Convention.InvertedAxisMeaning), c => IsTrainingKeepSet(c) && c.KeptAxes.Length < c.Shape.Length),
        ["channel-as-last-axis"] = (new Float32Variant(Summation.Sequential, false, Convention.ChannelAsLastAxis), c => c.Id.StartsWith("keep.", StringComparison.Ordinal) && c.KeptAxes[^1] != c.Shape.Length - 1),
        ["gamma-beta-swapped"] = (new Float32Variant(Summation.Sequential, false, Convention.GammaBetaSwapped), c => c.Id.StartsWith("keep.", StringComparison.Ordinal)),
        ["frozen-ignored"] = (new Float32Variant(Summation.Sequential, false, Convention.FrozenIgnored), c => c.Id.StartsWith("frozen.", StringComparison.Ordinal)),
        ["single-pass-variance"] = (new Float32Variant(Summation.SinglePassWrong, false), c => c.Id.StartsWith("data.large-offset", StringComparison.Ordinal) && c.Training),
    };

    [Theory]
    [MemberData(nameof(CorrectVariants))]
    public void CorrectFloat32Implementation_PassesEveryFloat32Case(string variant)
    {
        IBatchNormalization implementation = s_correct[variant];
        List<CaseResult> results = [.. s_float32Cases.Value.Select(c => CaseRunner.Run(c, implementation))];
        List<CaseResult> failures = [.. results.Where(r => r.Verdict != CaseVerdict.Passed)];
        (string id, double ratio) = results.SelectMany(r => r.Outputs.Select(o => (r.Id, o.WorstRatio))).MaxBy(x => x.WorstRatio);

        output.WriteLine($"{variant}: {results.Count - failures.Count}/{results.Count} float32 cases pass; largest error/tolerance {ratio:F3} ({id})");
        Assert.True(failures.Count == 0, $"{failures.Count} cases fail, e.g. {string.Join("; ", failures.Take(3).Select(f => $"{f.Id}: {f.Message}"))}");

        // Margin: a correct implementation should use at most half its tolerance, so an unlucky summation order
        // on other data does not fail it.
        Assert.True(ratio <= 0.5, $"{variant} uses {ratio:F2} of its tolerance on {id}: the model leaves less than a 2x margin");
    }

    [Theory]
    [MemberData(nameof(WrongConventions))]
    public void KnownWrongConvention_FailsEveryCaseThatCanTellItApart(string convention)
    {
        (IBatchNormalization implementation, Func<FixtureCase, bool> mustFail) = s_wrong[convention];
        List<FixtureCase> family = [.. s_plainCases.Value.Where(mustFail)];
        List<CaseResult> passing = [.. family.Select(c => CaseRunner.Run(c, implementation)).Where(r => r.Verdict == CaseVerdict.Passed)];
        int failingOverall = s_plainCases.Value.Count(c => CaseRunner.Run(c, implementation).Verdict != CaseVerdict.Passed);

        double smallestExcess = family.Select(c => CaseRunner.Run(c, implementation).Outputs.Select(o => o.WorstRatio).DefaultIfEmpty(double.PositiveInfinity).Max()).Min();
        output.WriteLine($"{convention}: fails {family.Count - passing.Count}/{family.Count} of its family (smallest error/tolerance {smallestExcess:G3}), {failingOverall}/{s_plainCases.Value.Count} float32 cases without renorm overall");
        Assert.NotEmpty(family);
        Assert.True(passing.Count == 0, $"{convention} passes {passing.Count} of {family.Count} cases it should fail: {string.Join(", ", passing.Take(5).Select(p => p.Id))}");
    }

    /// <summary>A training keep-set case with more than one element per channel (with one, every variance is 0).</summary>
    private static bool IsTrainingKeepSet(FixtureCase c) =>
        c.Id.StartsWith("keep.", StringComparison.Ordinal) && c.Training && ReductionCount(c) > 1;

    /// <summary>With one element per channel, training gives y = beta whatever the convention: nothing to tell apart.</summary>
    private static int ReductionCount(FixtureCase c) => AxisResolution.Resolve(c.Shape.AsSpan(), c.Axis).ReductionCount;
}
