using CsCheck;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// Keras 3 masks on the fast path: one flag per position of x without its last axis, changing only the batch
/// statistics. The fast results match the reference within the tolerance model (which weighs each element by its
/// flag), whatever the masked-out positions hold.
/// </summary>
public partial class FastPropertyTests
{
    /// <summary>A random problem and a mask over it: none kept, few, most, or all.</summary>
    private static readonly Gen<(Problem Problem, bool[] Mask)> s_maskedProblems =
        from p in s_problems
        from density in Gen.OneOf(Gen.Const(0.0), Gen.Const(0.3), Gen.Const(0.8), Gen.Const(1.0))
        from seed in Gen.Int
        select (p, RandomMask(p.Layout, density, seed));

    [Fact]
    public void MaskedForward_MatchesTheReferenceWithinTolerance()
    {
        s_maskedProblems.Sample((p, mask) =>
        {
            var reference = Forward<double>(ScalarBatchNorm.Instance, p, mask);
            var fast = Forward<float>(FastBatchNorm.Instance, p, mask);
            AssertMaskedWithin(p, mask, reference, fast, s_float32UnitRoundoff, FixtureDType.Float32);
        }, iter: 2000);
    }

    [Fact]
    public void MaskedForward_Float64_MatchesTheReferenceWithinFloat64Tolerance()
    {
        s_maskedProblems.Sample((p, mask) =>
        {
            var reference = Forward<double>(ScalarBatchNorm.Instance, p, mask);
            var fast = Forward<double>(FastBatchNorm.Instance, p, mask);
            AssertMaskedWithin(p, mask, reference, fast, Math.ScaleB(1.0, -53), FixtureDType.Float64);
        }, iter: 1000);
    }

    /// <summary>
    /// Masked-out positions are never read: NaN, infinity and huge values there leave the statistics bit for bit as
    /// they were, on every layout and with several threads.
    /// </summary>
    [Fact]
    public void MaskedOutValues_DoNotChangeTheStatistics()
    {
        s_maskedProblems.Sample((p, mask) =>
        {
            int segment = p.Layout.Shape[^1];
            double[] poisoned = [.. p.X.Select((x, i) => mask[i / segment] ? x : (i % 3) switch { 0 => double.NaN, 1 => double.PositiveInfinity, _ => 3e38 })];
            var clean = Forward<float>(new FastBatchNorm(2), p, mask);
            var dirty = Forward<float>(new FastBatchNorm(2), p with { X = poisoned }, mask);
            Assert.Equal(clean.Mean, dirty.Mean);
            Assert.Equal(clean.Variance, dirty.Variance);
            Assert.Equal(clean.MovingMean, dirty.MovingMean);
            Assert.Equal(clean.MovingVariance, dirty.MovingVariance);
        }, iter: 500);
    }

    /// <summary>Shapes past the kernels' chunk sizes, with short and long last axes, in every kind of row.</summary>
    [Theory]
    [InlineData(new[] { 64, 28, 28, 16 }, new[] { 3 })]      // channels-last: one flag per row
    [InlineData(new[] { 16, 32, 28, 28 }, new[] { 1 })]      // channels-first: 28 flags per row of one channel
    [InlineData(new[] { 8, 28, 28, 64 }, new[] { 1, 2, 3 })] // rows of 50176 channels, 784 flags each
    [InlineData(new[] { 40, 70, 70, 3 }, new[] { 0 })]       // rows of one channel, a flag every 3 values
    [InlineData(new[] { 16, 28, 28, 32 }, new[] { 1, 3 })]   // rows of 32 channels that change from row to row
    public void MaskedForward_LargeLayouts_MatchTheReferenceAndAreBitIdenticalOnEveryThreadCount(int[] shape, int[] kept)
    {
        Problem p = Create(shape, kept.Sum(a => 1 << a), mode: 0, flags: 0, epsilon: 1e-3, magnitude: 3, offset: 100, seed: shape.Sum());
        bool[] mask = RandomMask(p.Layout, 0.6, shape.Sum());
        var reference = Forward<double>(ScalarBatchNorm.Instance, p, mask);
        var single = Forward<float>(new FastBatchNorm(1), p, mask);
        AssertMaskedWithin(p, mask, reference, single, s_float32UnitRoundoff, FixtureDType.Float32);
        foreach (int threads in new[] { 2, 3, 7 })
        {
            var many = Forward<float>(new FastBatchNorm(threads), p, mask);
            Assert.True(single.Y.SequenceEqual(many.Y), $"{p}: y differs on {threads} threads");
            Assert.True(single.MovingMean.SequenceEqual(many.MovingMean) && single.MovingVariance.SequenceEqual(many.MovingVariance), $"{p}: moving statistics differ on {threads} threads");
        }
    }

    /// <summary>Half is computed in float32: its masked results are the float32 ones on the same values, rounded once.</summary>
    [Fact]
    public void MaskedForward_Half_IsTheFloat32ResultRounded()
    {
        Problem p = Create([6, 5, 40], 0b100, mode: 0, flags: 0, epsilon: 1e-3, magnitude: 3, offset: 10, seed: 11);
        static double[] InHalf(double[] values) => [.. values.Select(v => (double)(Half)v)];
        p = p with { X = InHalf(p.X), Gamma = InHalf(p.Gamma), Beta = InHalf(p.Beta), MovingMean = InHalf(p.MovingMean), MovingVariance = InHalf(p.MovingVariance) };
        bool[] mask = RandomMask(p.Layout, 0.5, 11);
        var single = Forward<float>(FastBatchNorm.Instance, p, mask);
        var half = Forward<Half>(FastBatchNorm.Instance, p, mask);
        var unmasked = Forward<Half>(FastBatchNorm.Instance, p);
        Assert.Equal(single.MovingVariance.Select(v => (double)(Half)v), half.MovingVariance);
        Assert.Equal(single.Y.Select(v => (double)(Half)v), half.Y);
        Assert.NotEqual(unmasked.MovingVariance, half.MovingVariance);
    }

    private static bool[] RandomMask(AxisResolution layout, double density, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, layout.ElementCount / layout.Shape[^1]).Select(_ => random.NextDouble() < density)];
    }

    private static void AssertMaskedWithin(
        Problem p,
        bool[] mask,
        (double[] Y, double[] Mean, double[] Variance, double[] MovingMean, double[] MovingVariance) reference,
        (double[] Y, double[] Mean, double[] Variance, double[] MovingMean, double[] MovingVariance) fast,
        double unitRoundoff,
        FixtureDType dtype)
    {
        int channels = p.Layout.ChannelCount;
        int segment = p.Layout.Shape[^1];
        bool useBatch = p.Training && p.Options.Trainable;
        ToleranceModel.ForwardBounds bounds = ToleranceModel.Forward(new ToleranceModel.CallInputs(
            p.Layout, p.Options, useBatch, unitRoundoff, p.X,
            p.Options.Scale ? p.Gamma : Ones(channels), p.Options.Center ? p.Beta : new double[channels],
            p.MovingMean, p.MovingVariance, reference.Mean, reference.Variance,
            MaskWeights: [.. p.X.Select((_, i) => mask[i / segment] ? 1.0 : 0.0)]));
        string shown = $"{p} kept positions {mask.Count(m => m)} of {mask.Length}";
        AssertWithin(p, $"y ({shown})", reference.Y, fast.Y, bounds.Y, dtype);
        AssertWithin(p, $"moving_mean ({shown})", reference.MovingMean, fast.MovingMean, bounds.MovingMean, dtype);
        AssertWithin(p, $"moving_variance ({shown})", reference.MovingVariance, fast.MovingVariance, bounds.MovingVariance, dtype);
    }
}
