namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// Two paths of the fast implementation that random small problems never take: outputs large enough for streaming
/// stores (8 MB and more), also at addresses that are not vector-aligned, and backward calls whose first values lie
/// far from the channel's mean, so the backward pass cannot fold the statistics into its sums and takes the exact
/// route.
/// </summary>
public partial class FastPropertyTests
{
    /// <summary>Shapes of about 2.1 M float32 elements (8.4 to 8.5 MB): every output is written with streaming stores.</summary>
    public static TheoryData<int[], int[]> StreamingLayouts => new()
    {
        { [8, 32, 32, 260], [3] },      // channels-last, 260 channels: vectors cross from one row into the next
        { [4, 40, 115, 115], [1] },     // channels-first, runs of 13225 values: unaligned starts and ends
        { [16, 364, 364], [1, 2] },     // 16 rows of 132496 channels: the wide-columns path
        { [16, 131075], [1] },          // the same with rows of an odd length: rows not paired when streaming
    };

    [Theory]
    [MemberData(nameof(StreamingLayouts))]
    public void LargeOutputs_WrittenPastTheCaches_MatchTheReference(int[] shape, int[] kept)
    {
        Problem p = Create(shape, kept.Sum(a => 1 << a), mode: 0, flags: 0, epsilon: 1e-3, magnitude: 3, offset: 10, seed: shape.Sum());
        var reference = Forward<double>(ScalarBatchNorm.Instance, p);
        var referenceBackward = Backward<double>(ScalarBatchNorm.Instance, p);
        int channels = p.Layout.ChannelCount;
        ToleranceModel.ForwardBounds forward = ToleranceModel.Forward(new ToleranceModel.CallInputs(
            p.Layout, p.Options, true, s_float32UnitRoundoff, p.X, p.Gamma, p.Beta, p.MovingMean, p.MovingVariance, reference.Mean, reference.Variance));
        ToleranceModel.BackwardBounds backward = ToleranceModel.Backward(
            new ToleranceModel.CallInputs(
                p.Layout, p.Options, true, s_float32UnitRoundoff, p.X, p.Gamma, new double[channels], p.MovingMean, p.MovingVariance, reference.Mean, reference.Variance),
            p.Dy,
            referenceBackward.Dx);
        foreach (int offset in new[] { 0, 1 })
        {
            // offset 1: x, dy, y and dx start one element past the array's start, so no row starts vector-aligned.
            (double[] y, double[] dx) = ForwardAndBackwardAt(new FastBatchNorm(2), p, offset);
            AssertWithin(p, $"y (offset {offset})", reference.Y, y, forward.Y);
            AssertWithin(p, $"dx (offset {offset})", referenceBackward.Dx, dx, backward.Dx);
        }
    }

    /// <summary>
    /// Inference on the wide streaming layout: its rows go in pairs (one vector of scale and shift for two rows), and
    /// at offset 1 both rows of every pair start one element past a vector boundary.
    /// </summary>
    [Fact]
    public void WideRowsInference_WrittenPastTheCaches_MatchesTheReference()
    {
        Problem p = Create([16, 364, 364], keptMask: 0b110, mode: 1, flags: 0, epsilon: 1e-3, magnitude: 3, offset: 10, seed: 744);
        var reference = Forward<double>(ScalarBatchNorm.Instance, p);
        ToleranceModel.ForwardBounds bounds = ToleranceModel.Forward(new ToleranceModel.CallInputs(
            p.Layout, p.Options, false, s_float32UnitRoundoff, p.X, p.Gamma, p.Beta, p.MovingMean, p.MovingVariance, reference.Mean, reference.Variance));
        foreach (int offset in new[] { 0, 1 })
        {
            float[] x = new float[p.X.Length + offset], y = new float[p.X.Length + offset];
            Narrow<float>(p.X).CopyTo(x, offset);
            var weights = new BatchNormWeights<float>(Narrow<float>(p.Gamma), Narrow<float>(p.Beta), Narrow<float>(p.MovingMean), Narrow<float>(p.MovingVariance));
            new FastBatchNorm(2).Forward<float>(p.Layout, p.Options, false, x.AsSpan(offset), weights, new ForwardDestinations<float>(y.AsSpan(offset), new float[p.Layout.ChannelCount], new float[p.Layout.ChannelCount]));
            AssertWithin(p, $"y (offset {offset})", reference.Y, Wide(y[offset..]), bounds.Y);
        }
    }

    [Theory]
    [InlineData(new[] { 2000, 5 }, new[] { 1 })]         // channels-last: the first 64 rows far above the other 1936
    [InlineData(new[] { 3, 4, 2000 }, new[] { 1 })]      // runs of one channel: each run starts far above the rest
    [InlineData(new[] { 4, 6, 5, 40 }, new[] { 1, 3 })]  // runs of channels that change from row to row: first values far off
    public void Backward_WithFirstValuesFarFromTheMean_MatchesTheReference(int[] shape, int[] kept)
    {
        // Without the exact route, Σ dy · (x - shift) - (mean - shift) · Σ dy cancels most of its digits here: float64
        // results then leave the float64 tolerance (checked by turning the route off).
        Problem p = Create(shape, kept.Sum(a => 1 << a), mode: 0, flags: 0, epsilon: 1e-3, magnitude: 1, offset: 0, seed: shape.Sum());
        var layout = p.Layout;
        double[] x = [.. p.X];
        int innermost = layout.Shape[^1];
        for (int i = 0; i < x.Length; i++)
        {
            bool early = layout.KeptAxes.Contains(layout.Rank - 1) && layout.KeptAxes.Length == layout.Rank - 1
                ? i / innermost < 64                         // channels-last: the first 64 rows
                : i % innermost < Math.Min(64, innermost);    // otherwise: the start of every row
            x[i] += early ? 1e4 : 0;
        }

        Problem skewed = p with { X = x };
        AssertDoubleBackwardWithinTolerance(skewed);
        var reference = Backward<double>(ScalarBatchNorm.Instance, skewed);
        var fast = Backward<float>(FastBatchNorm.Instance, skewed);
        var statistics = Forward<double>(ScalarBatchNorm.Instance, skewed);
        int channels = layout.ChannelCount;
        ToleranceModel.BackwardBounds bounds = ToleranceModel.Backward(
            new ToleranceModel.CallInputs(
                layout, skewed.Options, true, s_float32UnitRoundoff, skewed.X, skewed.Gamma, new double[channels], skewed.MovingMean, skewed.MovingVariance, statistics.Mean, statistics.Variance),
            skewed.Dy,
            reference.Dx);
        AssertWithin(skewed, "dx", reference.Dx, fast.Dx, bounds.Dx);
        AssertWithin(skewed, "dgamma", reference.Dgamma, fast.Dgamma, bounds.Dgamma);
    }

    /// <summary>A float32 training forward and backward with every large buffer starting <paramref name="offset"/> elements into its array.</summary>
    private static (double[] Y, double[] Dx) ForwardAndBackwardAt(IBatchNormalization implementation, Problem p, int offset)
    {
        int n = p.X.Length;
        int channels = p.Layout.ChannelCount;
        float[] Shifted(double[] values)
        {
            float[] buffer = new float[n + offset];
            Narrow<float>(values).CopyTo(buffer, offset);
            return buffer;
        }

        float[] x = Shifted(p.X), dy = Shifted(p.Dy), y = new float[n + offset], dx = new float[n + offset];
        var weights = new BatchNormWeights<float>(Narrow<float>(p.Gamma), Narrow<float>(p.Beta), Narrow<float>(p.MovingMean), Narrow<float>(p.MovingVariance));
        implementation.Forward<float>(
            p.Layout, p.Options, true, x.AsSpan(offset), weights, new ForwardDestinations<float>(y.AsSpan(offset), new float[channels], new float[channels]));
        implementation.Backward<float>(
            p.Layout, p.Options, true, x.AsSpan(offset), dy.AsSpan(offset), weights, new BackwardDestinations<float>(dx.AsSpan(offset), new float[channels], new float[channels]));
        return (Wide(y[offset..]), Wide(dx[offset..]));
    }
}
