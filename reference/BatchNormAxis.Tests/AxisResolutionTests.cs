namespace BatchNormAxis.Tests;

public class AxisResolutionTests
{
    public static TheoryData<int[], AxisSpec, int[], int[], int[], int[], int> Cases => new()
    {
        // shape, axis, kept, reduced, parameter shape, broadcast shape, reduction count
        { [2, 3, 4, 5], AxisSpec.Of(-1), [3], [0, 1, 2], [5], [1, 1, 1, 5], 24 },
        { [2, 3, 4, 5], AxisSpec.Of(1), [1], [0, 2, 3], [3], [1, 3, 1, 1], 40 },
        { [2, 3, 4, 5], AxisSpec.Of(0), [0], [1, 2, 3], [2], [2, 1, 1, 1], 60 },
        // NHWC with axis=[1,2,3]: only the batch axis is reduced, weights of shape (H, W, C).
        { [8, 32, 32, 3], AxisSpec.List(1, 2, 3), [1, 2, 3], [0], [32, 32, 3], [1, 32, 32, 3], 8 },
        // tf.keras: axis=[1,3] on (N,H,W,C) gives weights (1,H,1,C) and reduces (0,2).
        { [2, 3, 4, 5], AxisSpec.List(1, 3), [1, 3], [0, 2], [3, 5], [1, 3, 1, 5], 8 },
        { [2, 3, 4, 5], AxisSpec.List(3, 1), [1, 3], [0, 2], [3, 5], [1, 3, 1, 5], 8 },
        { [2, 3, 4, 5], AxisSpec.List(-1, -2), [2, 3], [0, 1], [4, 5], [1, 1, 4, 5], 6 },
        // Every axis kept: nothing is reduced, each element is its own channel.
        { [2, 3], AxisSpec.List(0, 1), [0, 1], [], [2, 3], [2, 3], 1 },
        // Rank 1: axis -1 keeps the only axis (Keras 3 and tf.keras: per-element statistics).
        { [5], AxisSpec.Of(-1), [0], [], [5], [5], 1 },
        { [4, 6], AxisSpec.Of(0), [0], [1], [4], [4, 1], 6 },
        // (N, T, F) sequences: the default keeps the features.
        { [7, 11, 13], AxisSpec.Default, [2], [0, 1], [13], [1, 1, 13], 77 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Resolve_GivesKeptAndReducedAxesAndShapes(
        int[] shape, AxisSpec axis, int[] kept, int[] reduced, int[] parameterShape, int[] broadcastShape, int reductionCount)
    {
        AxisResolution resolution = AxisResolution.Resolve(shape, axis);

        Assert.Equal(shape, resolution.Shape);
        Assert.Same(axis, resolution.Axis);
        Assert.Equal(kept, resolution.KeptAxes);
        Assert.Equal(reduced, resolution.ReductionAxes);
        Assert.Equal(parameterShape, resolution.ParameterShape);
        Assert.Equal(broadcastShape, resolution.BroadcastShape);
        Assert.Equal(reductionCount, resolution.ReductionCount);
        Assert.Equal(shape.Aggregate(1, (a, b) => a * b), resolution.ElementCount);
        Assert.Equal(parameterShape.Aggregate(1, (a, b) => a * b), resolution.ChannelCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-3)]
    public void Resolve_IntegerListAndNegativeSpellingsAgree(int spelling)
    {
        int[] shape = [2, 3, 4, 5];
        AxisResolution asInteger = AxisResolution.Resolve(shape, AxisSpec.Of(spelling));
        AxisResolution asList = AxisResolution.Resolve(shape, AxisSpec.List(spelling));

        Assert.Equal([1], asInteger.KeptAxes);
        Assert.Equal(asInteger.KeptAxes, asList.KeptAxes);
        Assert.Equal(asInteger.ParameterShape, asList.ParameterShape);
    }

    [Fact]
    public void KerasWeightShape_IsCompactForOneAxisAndBroadcastForSeveral()
    {
        Assert.Equal([3], AxisResolution.Resolve([2, 3, 4], AxisSpec.Of(1)).KerasWeightShape);
        Assert.Equal([3], AxisResolution.Resolve([2, 3, 4], AxisSpec.List(1)).KerasWeightShape);
        Assert.Equal([1, 3, 4], AxisResolution.Resolve([2, 3, 4], AxisSpec.List(1, 2)).KerasWeightShape);
    }

    [Fact]
    public void ValidateParameterShape_AcceptsCompactAndBroadcastForms()
    {
        AxisResolution resolution = AxisResolution.Resolve([2, 4, 5], AxisSpec.Of(1));

        resolution.ValidateParameterShape("gamma", [4]);
        resolution.ValidateParameterShape("gamma", [1, 4, 1]);
    }

    [Theory]
    [InlineData(new[] { 3 }, "(3,)")]
    [InlineData(new[] { 2, 2 }, "(2, 2)")]
    [InlineData(new[] { 4, 1, 1 }, "(4, 1, 1)")]
    public void ValidateParameterShape_RejectsOtherShapes(int[] given, string givenText)
    {
        AxisResolution resolution = AxisResolution.Resolve([2, 4, 5], AxisSpec.Of(1));

        var error = Assert.Throws<BatchNormArgumentException>(() => resolution.ValidateParameterShape("gamma", given));

        Assert.Equal(BatchNormErrorCategory.ParameterShapeMismatch, error.Category);
        Assert.Equal(
            $"gamma has shape {givenText} but axis=1 on input shape (2, 4, 5) resolves to [1]: expected shape (4,) or (1, 4, 1)",
            error.Message);
    }

    [Theory]
    [InlineData(-1, "-1")]
    [InlineData(3, "3")]
    public void AxisSpec_FormatsAsPythonSpellsIt(int axis, string expected)
    {
        Assert.Equal(expected, AxisSpec.Of(axis).ToString());
        Assert.Equal($"[{expected}]", AxisSpec.List(axis).ToString());
        Assert.Equal("[1, -2, 3]", AxisSpec.List(1, -2, 3).ToString());
        Assert.Equal("[]", AxisSpec.List().ToString());
    }

    [Fact]
    public void AxisSpec_EqualityComparesSpellingNotMeaning()
    {
        Assert.Equal(AxisSpec.List(1, 2), AxisSpec.List(1, 2));
        Assert.Equal(AxisSpec.List(1, 2).GetHashCode(), AxisSpec.List(1, 2).GetHashCode());
        Assert.NotEqual(AxisSpec.Of(1), AxisSpec.List(1));
        Assert.NotEqual(AxisSpec.List(1, 2), AxisSpec.List(2, 1));
        Assert.Equal(AxisSpec.Of(-1), AxisSpec.Default);
    }
}
