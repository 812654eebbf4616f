using CsCheck;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// The fast implementation equals the scalar reference within the tolerance model, on random shapes (rank 1 to 6),
/// keep-sets, modes, hyperparameters, magnitudes and offsets: thousands of cases per run.
/// </summary>
public partial class FastPropertyTests
{
    private static readonly double s_float32UnitRoundoff = Math.ScaleB(1.0, -24);

    /// <summary>A random problem, its inputs already float32 values.</summary>
    private sealed record Problem(AxisResolution Layout, BatchNormOptions Options, bool Training, double[] X, double[] Dy, double[] Gamma, double[] Beta, double[] MovingMean, double[] MovingVariance)
    {
        public override string ToString() =>
            $"shape {ShapeText.Tuple(Layout.Shape.AsSpan())} keep {ShapeText.List(Layout.KeptAxes.AsSpan())} training={Training} trainable={Options.Trainable} center={Options.Center} scale={Options.Scale} epsilon={Options.Epsilon}";
    }

    private static readonly Gen<Problem> s_problems =
        from rank in Gen.Int[1, 6]
        from shape in Gen.Int[1, 4].Array[rank]
        from keptMask in Gen.Int[1, (1 << rank) - 1]
        from mode in Gen.Int[0, 2]
        from flags in Gen.Int[0, 3]
        from epsilon in Gen.Int[0, 2].Select(i => new[] { 1e-3, 1e-5, 0.1 }[i])
        from magnitude in Gen.Int[0, 2].Select(i => new[] { 1e-3, 1.0, 1e3 }[i])
        from offset in Gen.Int[0, 2].Select(i => new[] { 0.0, 10.0, 1000.0 }[i])
        from seed in Gen.Int
        select Create(shape, keptMask, mode, flags, epsilon, magnitude, offset, seed);

    [Fact]
    public void FastForward_MatchesTheReferenceWithinTolerance()
    {
        s_problems.Sample(p =>
        {
            int channels = p.Layout.ChannelCount;
            var reference = Forward<double>(ScalarBatchNorm.Instance, p);
            var fast = Forward<float>(FastBatchNorm.Instance, p);
            bool useBatch = p.Training && p.Options.Trainable;
            ToleranceModel.ForwardBounds bounds = ToleranceModel.Forward(new ToleranceModel.CallInputs(
                p.Layout, p.Options, useBatch, s_float32UnitRoundoff, p.X,
                p.Options.Scale ? p.Gamma : Ones(channels), p.Options.Center ? p.Beta : new double[channels],
                p.MovingMean, p.MovingVariance, reference.Mean, reference.Variance));

            AssertWithin(p, "y", reference.Y, fast.Y, bounds.Y);
            AssertWithin(p, "moving_mean", reference.MovingMean, fast.MovingMean, bounds.MovingMean);
            AssertWithin(p, "moving_variance", reference.MovingVariance, fast.MovingVariance, bounds.MovingVariance);
        }, iter: 3000);
    }

    [Fact]
    public void FastBackward_MatchesTheReferenceWithinTolerance()
    {
        s_problems.Sample(p =>
        {
            int channels = p.Layout.ChannelCount;
            var reference = Backward<double>(ScalarBatchNorm.Instance, p);
            var fast = Backward<float>(FastBatchNorm.Instance, p);
            var statistics = Forward<double>(ScalarBatchNorm.Instance, p);
            ToleranceModel.BackwardBounds bounds = ToleranceModel.Backward(
                new ToleranceModel.CallInputs(
                    p.Layout, p.Options, p.Training && p.Options.Trainable, s_float32UnitRoundoff, p.X,
                    p.Options.Scale ? p.Gamma : Ones(channels), new double[channels], p.MovingMean, p.MovingVariance, statistics.Mean, statistics.Variance),
                p.Dy,
                reference.Dx);

            AssertWithin(p, "dx", reference.Dx, fast.Dx, bounds.Dx);
            AssertWithin(p, "dgamma", reference.Dgamma, fast.Dgamma, bounds.Dgamma);
            AssertWithin(p, "dbeta", reference.Dbeta, fast.Dbeta, bounds.Dbeta);
        }, iter: 1000);
    }

    [Fact]
    public void FastDouble_MatchesTheReferenceWithinFloat64Tolerance()
    {
        s_problems.Sample(p =>
        {
            var reference = Forward<double>(ScalarBatchNorm.Instance, p);
            var fast = Forward<double>(FastBatchNorm.Instance, p);
            ToleranceModel.ForwardBounds bounds = ToleranceModel.Forward(new ToleranceModel.CallInputs(
                p.Layout, p.Options, p.Training && p.Options.Trainable, Math.ScaleB(1.0, -53), p.X,
                p.Options.Scale ? p.Gamma : Ones(p.Layout.ChannelCount), p.Options.Center ? p.Beta : new double[p.Layout.ChannelCount],
                p.MovingMean, p.MovingVariance, reference.Mean, reference.Variance));

            AssertWithin(p, "y", reference.Y, fast.Y, bounds.Y, FixtureDType.Float64);
        }, iter: 1000);
    }

    /// <summary>
    /// Shapes past the kernels' block sizes: more than 64 rows, more than 512, 1024 and 2048 channels per row, and rows
    /// long enough to be written in pairs (64 K channels; an odd count of them, and rows whose length is not a whole
    /// number of vectors, which go one at a time).
    /// </summary>
    [Theory]
    [InlineData(new[] { 200, 5 }, new[] { 1 })]
    [InlineData(new[] { 3, 1500 }, new[] { 1 })]
    [InlineData(new[] { 2, 3, 1000 }, new[] { 1, 2 })]
    [InlineData(new[] { 70, 9, 33 }, new[] { 0 })]
    [InlineData(new[] { 5, 4100 }, new[] { 1 })]
    [InlineData(new[] { 3, 256, 256 }, new[] { 1, 2 })]
    [InlineData(new[] { 4, 65539 }, new[] { 1 })]
    public void FastForward_PastTheBlockSizes_MatchesTheReference(int[] shape, int[] kept)
    {
        foreach (int mode in new[] { 0, 1 })
        {
            int mask = kept.Sum(a => 1 << a);
            Problem p = Create(shape, mask, mode, flags: 0, epsilon: 1e-3, magnitude: 3, offset: 100, seed: shape.Sum() + mode);
            var reference = Forward<double>(ScalarBatchNorm.Instance, p);
            var fast = Forward<float>(FastBatchNorm.Instance, p);
            ToleranceModel.ForwardBounds bounds = ToleranceModel.Forward(new ToleranceModel.CallInputs(
                p.Layout, p.Options, p.Training && p.Options.Trainable, s_float32UnitRoundoff, p.X, p.Gamma, p.Beta,
                p.MovingMean, p.MovingVariance, reference.Mean, reference.Variance));

            AssertWithin(p, "y", reference.Y, fast.Y, bounds.Y);
            AssertWithin(p, "moving_variance", reference.MovingVariance, fast.MovingVariance, bounds.MovingVariance);
        }
    }

    private static void AssertWithin(Problem p, string output, double[] reference, double[] actual, double[] bound, FixtureDType dtype = FixtureDType.Float32)
    {
        for (int i = 0; i < reference.Length; i++)
        {
            double tolerance = ToleranceModel.Finalize(bound[i], reference[i], dtype);
            bool ok = double.IsFinite(reference[i]) ? Math.Abs(actual[i] - reference[i]) <= tolerance : double.IsNaN(actual[i]) || actual[i] == reference[i];
            Assert.True(ok, $"{p}: {output}[{i}] reference {reference[i]:R}, fast {actual[i]:R}, tolerance {tolerance:G3}");
        }
    }

    private static (double[] Y, double[] Mean, double[] Variance, double[] MovingMean, double[] MovingVariance) Forward<T>(IBatchNormalization implementation, Problem p, bool[]? mask = null)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int channels = p.Layout.ChannelCount;
        T[] y = new T[p.X.Length], mean = new T[channels], variance = new T[channels], movingMean = new T[channels], movingVariance = new T[channels];
        implementation.Forward<T>(
            p.Layout, p.Options, p.Training, Narrow<T>(p.X),
            new BatchNormWeights<T>(p.Options.Scale ? Narrow<T>(p.Gamma) : [], p.Options.Center ? Narrow<T>(p.Beta) : [], Narrow<T>(p.MovingMean), Narrow<T>(p.MovingVariance)),
            new ForwardDestinations<T>(y, movingMean, movingVariance, mean, variance),
            mask);
        return (Wide(y), Wide(mean), Wide(variance), Wide(movingMean), Wide(movingVariance));
    }

    private static (double[] Dx, double[] Dgamma, double[] Dbeta) Backward<T>(IBatchNormalization implementation, Problem p)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int channels = p.Layout.ChannelCount;
        T[] dx = new T[p.X.Length], dgamma = p.Options.Scale ? new T[channels] : [], dbeta = p.Options.Center ? new T[channels] : [];
        implementation.Backward<T>(
            p.Layout, p.Options, p.Training, Narrow<T>(p.X), Narrow<T>(p.Dy),
            new BatchNormWeights<T>(p.Options.Scale ? Narrow<T>(p.Gamma) : [], p.Options.Center ? Narrow<T>(p.Beta) : [], Narrow<T>(p.MovingMean), Narrow<T>(p.MovingVariance)),
            new BackwardDestinations<T>(dx, dgamma, dbeta));
        return (Wide(dx), p.Options.Scale ? Wide(dgamma) : new double[channels], p.Options.Center ? Wide(dbeta) : new double[channels]);
    }

    private static Problem Create(int[] shape, int keptMask, int mode, int flags, double epsilon, double magnitude, double offset, int seed)
    {
        var random = new Random(seed);
        int[] kept = [.. Enumerable.Range(0, shape.Length).Where(a => (keptMask & (1 << a)) != 0)];
        AxisResolution layout = AxisResolution.Resolve(shape, AxisSpec.List(kept));
        int channels = layout.ChannelCount;
        double[] Values(int count, double scale, double shift) => [.. Enumerable.Range(0, count).Select(_ => (double)(float)(shift + (scale * ((random.NextDouble() * 2) - 1))))];
        return new Problem(
            layout,
            new BatchNormOptions { Epsilon = epsilon, Trainable = mode != 2, Center = (flags & 1) == 0, Scale = (flags & 2) == 0, Momentum = 0.9 },
            Training: mode != 1,
            X: Values(layout.ElementCount, magnitude, offset),
            Dy: Values(layout.ElementCount, 1, 0),
            Gamma: Values(channels, 0.5, 1),
            Beta: Values(channels, 1, 0),
            MovingMean: Values(channels, 0.5, 0),
            MovingVariance: Values(channels, 0.5, 1));
    }

    private static double[] Ones(int count) => [.. Enumerable.Repeat(1.0, count)];

    private static T[] Narrow<T>(double[] values)
        where T : System.Numerics.IFloatingPointIeee754<T> => [.. values.Select(T.CreateTruncating)];

    private static double[] Wide<T>(T[] values)
        where T : System.Numerics.IFloatingPointIeee754<T> => [.. values.Select(double.CreateTruncating)];
}
