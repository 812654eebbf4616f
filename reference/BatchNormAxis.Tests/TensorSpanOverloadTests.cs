using System.Numerics.Tensors;

namespace BatchNormAxis.Tests;

/// <summary>The tensor-span overloads give what the span overloads give on the same logical elements, for any strides.</summary>
public class TensorSpanOverloadTests
{
    public static TheoryData<string> Implementations => ["scalar", "fast"];

    private static IBatchNormalization Implementation(string name) => name == "fast" ? FastBatchNorm.Instance : ScalarBatchNorm.Instance;

    [Theory]
    [MemberData(nameof(Implementations))]
    public void TransposedViews_MatchTheSpanOverloadOnTheGatheredElements(string name)
    {
        IBatchNormalization implementation = Implementation(name);

        // NHWC memory (2, 3, 4, 5) seen as NCHW (2, 5, 3, 4): a transpose without a copy; Keras axis=1 keeps C.
        float[] memory = [.. Enumerable.Range(0, 120).Select(i => MathF.Sin(i * 0.37f) * (1 + (i % 7)))];
        nint[] lengths = [2, 5, 3, 4];
        nint[] strides = [60, 1, 20, 5];
        var x = new ReadOnlyTensorSpan<float>(memory, lengths, strides);
        AxisResolution layout = AxisResolution.Resolve([2, 5, 3, 4], AxisSpec.Of(1));
        float[] gathered = new float[120];
        x.FlattenTo(gathered);
        float[] gamma = [1.5f, 0.5f, 1, 2, 0.25f], beta = [0, 1, -1, 0.5f, 2], movingMean = new float[5], movingVariance = [1, 1, 1, 1, 1];

        float[] expectedY = new float[120], expectedMean = new float[5], expectedVariance = new float[5];
        implementation.Forward<float>(layout, BatchNormOptions.Default, true, gathered, new BatchNormWeights<float>(gamma, beta, movingMean, movingVariance), new ForwardDestinations<float>(expectedY, expectedMean, expectedVariance));

        // y is a transposed view too, over its own NHWC memory.
        float[] yMemory = new float[120];
        var y = new TensorSpan<float>(yMemory, lengths, strides);
        float[] actualMean = new float[5], actualVariance = new float[5];
        implementation.Forward(layout, BatchNormOptions.Default, true, x, new BatchNormWeights<float>(gamma, beta, movingMean, movingVariance), y, actualMean, actualVariance);

        float[] actualY = new float[120];
        ((ReadOnlyTensorSpan<float>)y).FlattenTo(actualY);
        Assert.Equal(expectedY, actualY);
        Assert.Equal(expectedMean, actualMean);
        Assert.Equal(expectedVariance, actualVariance);
        Assert.NotEqual(expectedY, yMemory); // the view really is strided: its memory is in another order
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void DenseTensors_MatchTheSpanOverloadBitForBit(string name)
    {
        IBatchNormalization implementation = Implementation(name);
        float[] x = [.. Enumerable.Range(0, 24).Select(i => MathF.Cos(i) * 3)];
        float[] dy = [.. Enumerable.Range(0, 24).Select(i => MathF.Sin(i))];
        AxisResolution layout = AxisResolution.Resolve([2, 3, 4], AxisSpec.List(1, 2));
        float[] gamma = [.. Enumerable.Range(1, 12).Select(i => i * 0.1f)], beta = new float[12], mean = new float[12], variance = [.. Enumerable.Repeat(1f, 12)];
        var weights = new BatchNormWeights<float>(gamma, beta, mean, variance);

        float[] expectedDx = new float[24], expectedDgamma = new float[12], expectedDbeta = new float[12];
        implementation.Backward<float>(layout, BatchNormOptions.Default, true, x, dy, weights, new BackwardDestinations<float>(expectedDx, expectedDgamma, expectedDbeta));

        nint[] lengths = [2, 3, 4];
        float[] dx = new float[24], dgamma = new float[12], dbeta = new float[12];
        implementation.Backward(layout, BatchNormOptions.Default, true, new ReadOnlyTensorSpan<float>(x, lengths), new ReadOnlyTensorSpan<float>(dy, lengths), weights, new TensorSpan<float>(dx, lengths), dgamma, dbeta);

        Assert.Equal(expectedDx, dx);
        Assert.Equal(expectedDgamma, dgamma);
        Assert.Equal(expectedDbeta, dbeta);
    }

    [Fact]
    public void ABroadcastInput_IsReadThroughItsZeroStride()
    {
        // Four identical rows via stride 0 give what the four rows written out give.
        float[] row = [1, 2, 3];
        AxisResolution layout = AxisResolution.Resolve([4, 3], AxisSpec.Of(-1));
        var weights = new BatchNormWeights<float>([1, 1, 1], [5, 6, 7], [0, 0, 0], [1, 1, 1]);
        float[] expected = new float[12];
        FastBatchNorm.Instance.Forward<float>(layout, BatchNormOptions.Default, true, [.. row, .. row, .. row, .. row], weights, new ForwardDestinations<float>(expected, new float[3], new float[3]));

        float[] y = new float[12];
        FastBatchNorm.Instance.Forward(layout, BatchNormOptions.Default, true, new ReadOnlyTensorSpan<float>(row, [4, 3], [0, 1]), weights, new TensorSpan<float>(y, [4, 3]), new float[3], new float[3]);

        Assert.Equal(expected, y);
        Assert.All(y, (value, i) => Assert.Equal(5 + (i % 3), value, 1e-5)); // constant channels: y = beta
    }

    [Fact]
    public void ATensorOfAnotherShape_IsRejectedWithOneLine()
    {
        AxisResolution layout = AxisResolution.Resolve([2, 3], AxisSpec.Of(-1));
        float[] x = new float[6], y = new float[6], stats = new float[3];
        var error = Assert.Throws<BatchNormArgumentException>(() => FastBatchNorm.Instance.Forward(
            layout, BatchNormOptions.Default, true, new ReadOnlyTensorSpan<float>(x, [3, 2]), new BatchNormWeights<float>(stats, stats, stats, stats), new TensorSpan<float>(y, [2, 3]), new float[3], new float[3]));

        Assert.Equal(BatchNormErrorCategory.BufferLengthMismatch, error.Category);
        Assert.Equal("x has shape (3, 2), expected the layout's shape (2, 3)", error.Message);
    }
}
