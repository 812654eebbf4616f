namespace BatchNormAxis.Tests;

/// <summary>Bad buffers and hyperparameters are rejected with a category and a one-line message, before anything is written.</summary>
public class ArgumentValidationTests
{
    private static readonly IBatchNormalization s_reference = ScalarBatchNorm.Instance;
    private static readonly AxisResolution s_layout = AxisResolution.Resolve([2, 4, 5], AxisSpec.Of(1)); // 4 channels, 40 elements

    [Fact]
    public void Forward_RejectsInputOfWrongLength()
    {
        var error = Assert.Throws<BatchNormArgumentException>(() =>
            LayerCall.Forward(s_reference, s_layout, BatchNormOptions.Default, training: true, new float[39]));

        Assert.Equal(BatchNormErrorCategory.BufferLengthMismatch, error.Category);
        Assert.Equal("x has 39 elements but axis=1 on input shape (2, 4, 5) resolves to [1]: expected 40, one per input element", error.Message);
    }

    [Theory]
    [InlineData("gamma")]
    [InlineData("beta")]
    [InlineData("moving_mean")]
    [InlineData("moving_variance")]
    public void Forward_RejectsParameterOfWrongLength(string name)
    {
        float[] three = new float[3];
        var error = Assert.Throws<BatchNormArgumentException>(() => LayerCall.Forward(
            s_reference, s_layout, BatchNormOptions.Default, training: true, new float[40],
            gamma: name == "gamma" ? three : null,
            beta: name == "beta" ? three : null,
            movingMean: name == "moving_mean" ? three : null,
            movingVariance: name == "moving_variance" ? three : null));

        Assert.Equal(BatchNormErrorCategory.ParameterShapeMismatch, error.Category);
        Assert.Equal($"{name} has 3 elements but axis=1 on input shape (2, 4, 5) resolves to [1]: expected 4, one per channel (parameter shape (4,))", error.Message);
    }

    [Fact]
    public void Forward_RejectsGammaWhenScaleIsOff()
    {
        var error = Assert.Throws<BatchNormArgumentException>(() => s_reference.Forward<float>(
            s_layout,
            new BatchNormOptions { Scale = false },
            training: true,
            new float[40],
            new BatchNormWeights<float>(new float[4], new float[4], new float[4], new float[4]),
            new ForwardDestinations<float>(new float[40], new float[4], new float[4])));

        Assert.Equal(BatchNormErrorCategory.ParameterShapeMismatch, error.Category);
        Assert.Equal("gamma has 4 elements but scale=false, so the layer has no gamma: expected it empty", error.Message);
    }

    [Theory]
    [InlineData("y", 41)]
    [InlineData("moving_mean destination", 5)]
    [InlineData("moving_variance destination", 0)]
    [InlineData("mean destination", 3)]
    [InlineData("variance destination", 8)]
    public void Forward_RejectsDestinationOfWrongLength(string name, int length)
    {
        float[] buffer = new float[length];
        var error = Assert.Throws<BatchNormArgumentException>(() => s_reference.Forward<float>(
            s_layout,
            BatchNormOptions.Default,
            training: true,
            new float[40],
            new BatchNormWeights<float>(new float[4], new float[4], new float[4], new float[4]),
            new ForwardDestinations<float>(
                name == "y" ? buffer : new float[40],
                name == "moving_mean destination" ? buffer : new float[4],
                name == "moving_variance destination" ? buffer : new float[4],
                name == "mean destination" ? buffer : default,
                name == "variance destination" ? buffer : default)));

        Assert.StartsWith($"{name} has {length} elements", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_RejectsYPartlyOverlappingX()
    {
        float[] memory = new float[50];
        float[] y = new float[40];
        var error = Assert.Throws<BatchNormArgumentException>(() => s_reference.Forward<float>(
            s_layout,
            BatchNormOptions.Default,
            training: true,
            memory.AsSpan(0, 40),
            new BatchNormWeights<float>(new float[4], new float[4], new float[4], new float[4]),
            new ForwardDestinations<float>(memory.AsSpan(5, 40), new float[4], new float[4])));

        Assert.Equal(BatchNormErrorCategory.OverlappingBuffers, error.Category);
        Assert.Equal("y overlaps x, starting 5 elements after x starts: expected exactly x (in place) or separate memory", error.Message);
    }

    [Fact]
    public void Forward_RejectsMovingMeanWrittenOverGamma()
    {
        float[] gamma = [1f, 1f, 1f, 1f];
        var error = Assert.Throws<BatchNormArgumentException>(() => s_reference.Forward<float>(
            s_layout,
            BatchNormOptions.Default,
            training: true,
            new float[40],
            new BatchNormWeights<float>(gamma, new float[4], new float[4], new float[4]),
            new ForwardDestinations<float>(new float[40], gamma, new float[4])));

        Assert.Equal(BatchNormErrorCategory.OverlappingBuffers, error.Category);
        Assert.Equal("moving_mean destination overlaps gamma, starting where gamma starts: expected separate memory", error.Message);
        Assert.Equal([1f, 1f, 1f, 1f], gamma);
    }

    [Fact]
    public void Backward_RejectsDxOverlappingX()
    {
        float[] x = new float[40];
        var error = Assert.Throws<BatchNormArgumentException>(() => s_reference.Backward<float>(
            s_layout,
            BatchNormOptions.Default,
            training: true,
            x,
            new float[40],
            new BatchNormWeights<float>(new float[4], new float[4], new float[4], new float[4]),
            new BackwardDestinations<float>(x, new float[4], new float[4])));

        Assert.Equal(BatchNormErrorCategory.OverlappingBuffers, error.Category);
        Assert.Equal("dx overlaps x, starting where x starts: expected separate memory", error.Message);
    }

    [Fact]
    public void Backward_AllowsDxInPlaceOverDy()
    {
        float[] x = [.. Enumerable.Range(0, 40).Select(i => (float)Math.Cos(i))];
        float[] dy = [.. Enumerable.Range(0, 40).Select(i => (float)Math.Sin(i))];
        BackwardResult<float> separate = LayerCall.Backward(s_reference, s_layout, BatchNormOptions.Default, training: true, x, dy);

        s_reference.Backward<float>(
            s_layout,
            BatchNormOptions.Default,
            training: true,
            x,
            dy,
            new BatchNormWeights<float>([1f, 1f, 1f, 1f], new float[4], new float[4], [1f, 1f, 1f, 1f]),
            new BackwardDestinations<float>(dy, new float[4], new float[4]));

        Assert.Equal(separate.Dx, dy);
    }

    [Theory]
    [InlineData("dgamma", 3)]
    [InlineData("dbeta", 5)]
    [InlineData("dy", 39)]
    public void Backward_RejectsGradientBuffersOfWrongLength(string name, int length)
    {
        float[] buffer = new float[length];
        var error = Assert.Throws<BatchNormArgumentException>(() => s_reference.Backward<float>(
            s_layout,
            BatchNormOptions.Default,
            training: true,
            new float[40],
            name == "dy" ? buffer : new float[40],
            new BatchNormWeights<float>(new float[4], new float[4], new float[4], new float[4]),
            new BackwardDestinations<float>(new float[40], name == "dgamma" ? buffer : new float[4], name == "dbeta" ? buffer : new float[4])));

        Assert.StartsWith($"{name} has {length} elements", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN, 1e-3, "momentum=NaN is not usable: expected a number in [0, 1] (the weight of the old moving statistic, Keras convention)")]
    [InlineData(1.5, 1e-3, "momentum=1.5 is not usable: expected a number in [0, 1] (the weight of the old moving statistic, Keras convention)")]
    [InlineData(-0.1, 1e-3, "momentum=-0.1 is not usable: expected a number in [0, 1] (the weight of the old moving statistic, Keras convention)")]
    [InlineData(0.99, -1e-3, "epsilon=-0.001 is not usable: expected a finite number >= 0")]
    [InlineData(0.99, double.PositiveInfinity, "epsilon=Infinity is not usable: expected a finite number >= 0")]
    [InlineData(0.99, double.NaN, "epsilon=NaN is not usable: expected a finite number >= 0")]
    public void Options_RejectUnusableHyperparameters(double momentum, double epsilon, string message)
    {
        var options = new BatchNormOptions { Momentum = momentum, Epsilon = epsilon };

        var error = Assert.Throws<BatchNormArgumentException>(() =>
            LayerCall.Forward(s_reference, s_layout, options, training: false, new float[40]));

        Assert.Equal(BatchNormErrorCategory.InvalidHyperparameter, error.Category);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Options_EpsilonZeroIsAllowedAndGivesIeeeResults()
    {
        // A constant channel with epsilon 0: (x - mean) / sqrt(0) = 0 / 0 = NaN, as in every framework.
        AxisResolution layout = AxisResolution.Resolve([3, 1], AxisSpec.Default);
        ForwardResult<float> result = LayerCall.Forward(
            s_reference, layout, new BatchNormOptions { Epsilon = 0 }, training: true, [2f, 2f, 2f]);

        Assert.All(result.Y, v => Assert.True(float.IsNaN(v)));
        Assert.Equal([0f], result.Variance);
    }

    [Fact]
    public void Forward_WritesNothingWhenRejecting()
    {
        float[] y = [.. Enumerable.Repeat(42f, 40)];
        Assert.Throws<BatchNormArgumentException>(() => s_reference.Forward<float>(
            s_layout,
            BatchNormOptions.Default,
            training: true,
            new float[40],
            new BatchNormWeights<float>(new float[4], new float[4], new float[4], new float[3]),
            new ForwardDestinations<float>(y, new float[4], new float[4])));

        Assert.All(y, v => Assert.Equal(42f, v));
    }
}
