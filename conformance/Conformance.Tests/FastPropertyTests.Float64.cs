using CsCheck;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// float64 on the fast path's vector kernels, forward and backward, within the float64 tolerance model: random
/// problems, and axis -1 (rows of consecutive channels) and axis 1 (rows of one channel) with rows longer than
/// several vectors and more rows than a block, in every mode.
/// </summary>
public partial class FastPropertyTests
{
    [Theory]
    [InlineData(new[] { 300, 37 }, new[] { 1 })]         // axis -1, rank 2: 37 channels, a vector remainder
    [InlineData(new[] { 4, 9, 11, 64 }, new[] { 3 })]    // axis -1, NHWC
    [InlineData(new[] { 2, 3, 2100 }, new[] { 2 })]      // axis -1, rows wider than a normalize block
    [InlineData(new[] { 6, 5, 1001 }, new[] { 1 })]      // axis 1, long runs of one channel
    [InlineData(new[] { 8, 16, 7, 9 }, new[] { 1 })]     // axis 1, NCHW, runs of 63 values
    [InlineData(new[] { 70, 3, 5 }, new[] { 1 })]        // axis 1, runs shorter than two vectors
    public void FastDouble_OnTheVectorKernels_MatchesTheReferenceWithinFloat64Tolerance(int[] shape, int[] kept)
    {
        foreach (int mode in new[] { 0, 1, 2 })
        {
            int mask = kept.Sum(a => 1 << a);
            Problem p = Create(shape, mask, mode, flags: mode, epsilon: 1e-3, magnitude: 3, offset: 1000, seed: shape.Sum() + mode);
            var reference = Forward<double>(ScalarBatchNorm.Instance, p);
            var fast = Forward<double>(new FastBatchNorm(2), p);
            ToleranceModel.ForwardBounds bounds = ToleranceModel.Forward(new ToleranceModel.CallInputs(
                p.Layout, p.Options, p.Training && p.Options.Trainable, Math.ScaleB(1.0, -53), p.X,
                p.Options.Scale ? p.Gamma : Ones(p.Layout.ChannelCount), p.Options.Center ? p.Beta : new double[p.Layout.ChannelCount],
                p.MovingMean, p.MovingVariance, reference.Mean, reference.Variance));

            AssertWithin(p, "y", reference.Y, fast.Y, bounds.Y, FixtureDType.Float64);
            AssertWithin(p, "moving_mean", reference.MovingMean, fast.MovingMean, bounds.MovingMean, FixtureDType.Float64);
            AssertWithin(p, "moving_variance", reference.MovingVariance, fast.MovingVariance, bounds.MovingVariance, FixtureDType.Float64);
        }
    }

    [Fact]
    public void FastDoubleBackward_MatchesTheReferenceWithinFloat64Tolerance()
    {
        s_problems.Sample(AssertDoubleBackwardWithinTolerance, iter: 1000);
    }

    [Theory]
    [InlineData(new[] { 300, 37 }, new[] { 1 })]
    [InlineData(new[] { 2, 3, 2100 }, new[] { 2 })]
    [InlineData(new[] { 6, 5, 1001 }, new[] { 1 })]
    [InlineData(new[] { 8, 16, 7, 9 }, new[] { 1 })]
    [InlineData(new[] { 4, 6, 5, 40 }, new[] { 1, 3 })] // kept axes not adjacent: rows of channels that differ from row to row
    public void FastDoubleBackward_OnTheVectorKernels_MatchesTheReferenceWithinFloat64Tolerance(int[] shape, int[] kept)
    {
        foreach (int mode in new[] { 0, 1, 2 })
        {
            AssertDoubleBackwardWithinTolerance(Create(shape, kept.Sum(a => 1 << a), mode, flags: mode, epsilon: 1e-3, magnitude: 3, offset: 1000, seed: shape.Sum() + mode));
        }
    }

    private static void AssertDoubleBackwardWithinTolerance(Problem p)
    {
        int channels = p.Layout.ChannelCount;
        var reference = Backward<double>(ScalarBatchNorm.Instance, p);
        var fast = Backward<double>(new FastBatchNorm(2), p);
        var statistics = Forward<double>(ScalarBatchNorm.Instance, p);
        ToleranceModel.BackwardBounds bounds = ToleranceModel.Backward(
            new ToleranceModel.CallInputs(
                p.Layout, p.Options, p.Training && p.Options.Trainable, Math.ScaleB(1.0, -53), p.X,
                p.Options.Scale ? p.Gamma : Ones(channels), new double[channels], p.MovingMean, p.MovingVariance, statistics.Mean, statistics.Variance),
            p.Dy,
            reference.Dx);

        AssertWithin(p, "dx", reference.Dx, fast.Dx, bounds.Dx, FixtureDType.Float64);
        AssertWithin(p, "dgamma", reference.Dgamma, fast.Dgamma, bounds.Dgamma, FixtureDType.Float64);
        AssertWithin(p, "dbeta", reference.Dbeta, fast.Dbeta, bounds.Dbeta, FixtureDType.Float64);
    }
}
