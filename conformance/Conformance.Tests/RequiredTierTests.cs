using BatchNormAxis.Conformance.Diagnosis;
using BatchNormAxis.Conformance.Protocol;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// The required tier: float32 cases with only required features are required of every implementation; their float64
/// counterparts are required of an implementation that declares float64 ("if you claim float64, compute in float64"),
/// and of no other; float16, bfloat16, backward, masks, list axes and renorm never are.
/// </summary>
public class RequiredTierTests
{
    private static ManifestEntry Entry(string id) => FixtureLocation.Set.Manifest.Cases.Single(e => e.Id == id);

    [Theory]
    [InlineData("keep.r4.k1.train.f32", true, true)]
    [InlineData("keep.r4.k1.train.f64", false, true)]
    [InlineData("frozen.r2.k1.f64", false, true)]
    [InlineData("data.large-offset.r3.k1.train.f64", false, true)]
    [InlineData("backward.r4.k1.train.f64", false, false)]
    [InlineData("backward.r4.k1.train.f32", false, false)]
    [InlineData("keep.r4.k1-2-3.train.f64", false, false)]
    [InlineData("dtype.r4.k1.train.f16", false, false)]
    [InlineData("dtype.r4.k1.train.bf16", false, false)]
    [InlineData("renorm.r2.k1.train.clip-none.f64", false, false)]
    public void Tier_DependsOnFeaturesAndOnTheFloat64Claim(string id, bool withoutFloat64, bool withFloat64)
    {
        Assert.Equal(withoutFloat64, RequiredTier.IsRequired(Entry(id), declaresFloat64: false));
        Assert.Equal(withFloat64, RequiredTier.IsRequired(Entry(id), declaresFloat64: true));
    }

    [Fact]
    public void Float64Tier_IsTheFloat32TierInFloat64()
    {
        // Every float64 case required when declared has a float32 counterpart required of everyone: the same id but for its dtype suffix.
        string[] float64 = [.. FixtureLocation.Set.Manifest.Cases.Where(RequiredTier.IsRequiredWhenDeclared).Select(e => e.Id)];
        HashSet<string> float32 = [.. FixtureLocation.Set.Manifest.Cases.Where(RequiredTier.IsRequiredOfEvery).Select(e => e.Id)];

        Assert.NotEmpty(float64);
        Assert.All(float64, id => Assert.Contains(id[..^".f64".Length] + ".f32", float32));
    }

    /// <summary>
    /// A run of an implementation that computes float64 in float32: declaring float64 makes its float64 failures
    /// required failures; not declaring it leaves those cases unsupported and not counted, as before.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Run_ChargesFloat64CasesOnlyToAnImplementationThatDeclaresFloat64(bool declaresFloat64)
    {
        ManifestEntry[] selected = [Entry("keep.r4.k1.train.f64"), Entry("backward.r4.k1.train.f64")];
        using var driver = new DeclaringDriver(new ConventionVariant(WrongConvention.Float64ComputedInFloat32), declaresFloat64);

        RunReport report = ConformanceRunner.Run(FixtureLocation.Set, selected, driver, Expectations.None, null, cancellation: TestContext.Current.CancellationToken);

        CaseReport forward = report.Cases.Single(c => c.Id == "keep.r4.k1.train.f64");
        CaseReport backward = report.Cases.Single(c => c.Id == "backward.r4.k1.train.f64");
        Assert.Equal(declaresFloat64, forward.Required);
        Assert.Equal(declaresFloat64 ? CaseVerdict.Failed : CaseVerdict.Unsupported, forward.Verdict);
        Assert.Equal(declaresFloat64 ? Outcome.Failed : Outcome.Skipped, forward.Outcome);
        Assert.False(backward.Required);
        Assert.Equal(declaresFloat64 ? CaseVerdict.Failed : CaseVerdict.Unsupported, backward.Verdict);
    }

    /// <summary>The built-in in-process driver, declaring float32 alone or float32 and float64.</summary>
    private sealed class DeclaringDriver(IBatchNormalization implementation, bool float64) : ICaseDriver
    {
        private readonly InProcessDriver _inner = new(implementation);

        public HarnessCapabilities Capabilities => _inner.Capabilities with { DTypes = float64 ? ["float32", "float64"] : ["float32"] };

        public string StderrTail => "";

        public string? UnstableReason => null;

        public IReadOnlyList<string> Warnings => [];

        public DriverAnswer Run(FixtureCase fixture, byte[] caseFile) => _inner.Run(fixture, caseFile);

        public void Abort() => _inner.Abort();

        public void Dispose() => _inner.Dispose();
    }
}
