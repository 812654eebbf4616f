namespace BatchNormAxis.Tests;

/// <summary>Keras 3 masked statistics (https://github.com/keras-team/keras/blob/3422977a5e/keras/src/layers/normalization/batch_normalization.py#L434-L474).</summary>
public class ScalarMaskTests
{
    private static readonly IBatchNormalization s_reference = ScalarBatchNorm.Instance;

    [Fact]
    public void MaskedPositions_DoNotCountInTheStatistics()
    {
        // Keras' test_bachnorm_ignore_masked_values: [[1,5],[2,5],[pad],[pad]], momentum 0 -> mean [1.5, 5], variance [0.25, 0].
        AxisResolution layout = AxisResolution.Resolve([4, 2], AxisSpec.Default);
        float[] x = [1f, 5f, 2f, 5f, 0f, 0f, 0f, 0f];
        float[] y = new float[8];
        float[] movingMean = [0f, 0f];
        float[] movingVariance = [1f, 1f];

        s_reference.Forward<float>(
            layout, new BatchNormOptions { Momentum = 0 }, training: true, x,
            new BatchNormWeights<float>([1f, 1f], [0f, 0f], movingMean, movingVariance),
            new ForwardDestinations<float>(y, movingMean, movingVariance),
            [true, true, false, false]);

        // Keras divides by sum(mask) + 1e-7, so the statistics sit a hair (relative 5e-8) below the exact ones.
        Assert.Equal(1.5, movingMean[0], 6);
        Assert.Equal(5.0, movingMean[1], 5);
        Assert.Equal(0.25, movingVariance[0], 6);
        Assert.Equal(0.0, movingVariance[1], 10); // 6.25e-14: the 1e-7 shifts the mean of [5, 5] by 2.5e-7

        // Masked positions are still normalized with the masked statistics.
        Assert.Equal((float)((0 - (3.0 / (2 + 1e-7))) / Math.Sqrt((0.5 / (2 + 1e-7)) + 1e-3)), y[4], 5);
    }

    [Fact]
    public void FullyMaskedBatch_GivesZeroStatisticsNotNaN()
    {
        // Keras' test_input_fully_masked: zeros, all masked, center and scale off -> all-zero output.
        AxisResolution layout = AxisResolution.Resolve([4, 5], AxisSpec.Default);
        float[] y = [.. Enumerable.Repeat(9f, 20)];
        float[] movingMean = new float[5];
        float[] movingVariance = [.. Enumerable.Repeat(1f, 5)];

        s_reference.Forward<float>(
            layout, new BatchNormOptions { Center = false, Scale = false }, training: true, new float[20],
            new BatchNormWeights<float>([], [], movingMean, movingVariance),
            new ForwardDestinations<float>(y, movingMean, movingVariance),
            new bool[4]);

        Assert.All(y, v => Assert.Equal(0f, v));
        Assert.All(movingVariance, v => Assert.Equal(0.99f, v));
    }

    [Fact]
    public void Mask_ChangesNothingInInference()
    {
        AxisResolution layout = AxisResolution.Resolve([3, 2], AxisSpec.Default);
        ForwardResult<float> unmasked = LayerCall.Forward(s_reference, layout, BatchNormOptions.Default, training: false, [1f, 2f, 3f, 4f, 5f, 7f]);
        float[] y = new float[6];

        s_reference.Forward<float>(
            layout, BatchNormOptions.Default, training: false, [1f, 2f, 3f, 4f, 5f, 7f],
            new BatchNormWeights<float>([1f, 1f], [0f, 0f], [0f, 0f], [1f, 1f]),
            new ForwardDestinations<float>(y, new float[2], new float[2]),
            [true, false, false]);

        Assert.Equal(unmasked.Y, y);
    }

    [Fact]
    public void MaskOfWrongLength_IsRejected()
    {
        AxisResolution layout = AxisResolution.Resolve([4, 5, 3], AxisSpec.Default);

        var error = Assert.Throws<BatchNormArgumentException>(() => s_reference.Forward<float>(
            layout, BatchNormOptions.Default, training: true, new float[60],
            new BatchNormWeights<float>(new float[3], new float[3], new float[3], new float[3]),
            new ForwardDestinations<float>(new float[60], new float[3], new float[3]),
            new bool[60]));

        Assert.Equal(BatchNormErrorCategory.MaskShapeMismatch, error.Category);
        Assert.Equal("mask has 60 elements but axis=-1 on input shape (4, 5, 3) resolves to [2]: expected 20, one per position of shape (4, 5) (the input without its last axis), or none", error.Message);
    }

    [Theory]
    [InlineData(new[] { 4, 5, 3 }, "(4, 5, 3)", 3)]
    [InlineData(new[] { 4 }, "(4,)", 1)]
    public void ValidateMaskShape_RequiresTheInputShapeWithoutItsLastAxis(int[] maskShape, string maskText, int maskRank)
    {
        AxisResolution layout = AxisResolution.Resolve([4, 5, 3], AxisSpec.Default);
        layout.ValidateMaskShape([4, 5]);

        var error = Assert.Throws<BatchNormArgumentException>(() => layout.ValidateMaskShape(maskShape));

        Assert.Equal(BatchNormErrorCategory.MaskShapeMismatch, error.Category);
        Assert.Equal($"mask has shape {maskText} (rank {maskRank}) but input shape (4, 5, 3) has rank 3: expected shape (4, 5), one less dimension than the input (axis=-1)", error.Message);
    }

    [Fact]
    public void ChannelOfEachElement_IsRowMajorOverTheKeptAxes()
    {
        // (2, 3, 2) keeping axes 0 and 2: element (i0, i1, i2) at 6 i0 + 2 i1 + i2 belongs to channel 2 i0 + i2.
        AxisResolution layout = AxisResolution.Resolve([2, 3, 2], AxisSpec.List(0, 2));

        Assert.Equal([0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3], layout.ChannelOfEachElement());
    }
}
