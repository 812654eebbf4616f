namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// float64 on the fast path's vector kernels: axis -1 (rows of consecutive channels) and axis 1 (rows of one channel),
/// with rows longer than several vectors and more rows than a block, in every mode, within the float64 tolerance model.
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
}
