namespace BatchNormAxis.Tests;

/// <summary>Every resolution error: its category, and a one-line message naming the given axis, the resolved axis and the shape.</summary>
public class AxisResolutionErrorTests
{
    public static TheoryData<int[], AxisSpec, BatchNormErrorCategory, string> Cases => new()
    {
        {
            [2, 3, 4, 5], AxisSpec.Of(4), BatchNormErrorCategory.AxisOutOfRange,
            "axis=4 is out of range for input shape (2, 3, 4, 5): expected an axis in [-4, 3]"
        },
        {
            [2, 3, 4, 5], AxisSpec.Of(-5), BatchNormErrorCategory.AxisOutOfRange,
            "axis=-5 is out of range for input shape (2, 3, 4, 5): expected an axis in [-4, 3]"
        },
        {
            [2, 3, 4, 5], AxisSpec.List(1, 7), BatchNormErrorCategory.AxisOutOfRange,
            "axis=[1, 7] has 7, which is out of range for input shape (2, 3, 4, 5): expected an axis in [-4, 3]"
        },
        {
            [2, 3, 4, 5], AxisSpec.List(1, -3), BatchNormErrorCategory.DuplicateAxis,
            "axis=[1, -3] names axis 1 twice for input shape (2, 3, 4, 5) (resolves to [1, 1]): expected distinct axes"
        },
        {
            [2, 3], AxisSpec.List(0, 0), BatchNormErrorCategory.DuplicateAxis,
            "axis=[0, 0] names axis 0 twice for input shape (2, 3) (resolves to [0, 0]): expected distinct axes"
        },
        {
            [2, 3], AxisSpec.List(), BatchNormErrorCategory.EmptyAxisList,
            "axis=[] keeps no axis of input shape (2, 3) (resolves to []): expected at least one axis"
        },
        {
            [], AxisSpec.Of(-1), BatchNormErrorCategory.RankZero,
            "axis=-1 cannot apply to input shape (): rank 0 has no axis to keep; expected an input of rank 1 or more"
        },
        {
            [0, 3], AxisSpec.Of(-1), BatchNormErrorCategory.ZeroSizedDimension,
            "input shape (0, 3) has a zero-sized dimension at axis 0 (axis=-1 resolves to [1]): expected every dimension to be 1 or more; empty tensors are rejected"
        },
        {
            [4, 0], AxisSpec.Of(-1), BatchNormErrorCategory.ZeroSizedDimension,
            "input shape (4, 0) has a zero-sized dimension at axis 1 (axis=-1 resolves to [1]): expected every dimension to be 1 or more; empty tensors are rejected"
        },
        {
            [2, -3], AxisSpec.Of(0), BatchNormErrorCategory.NegativeDimension,
            "input shape (2, -3) has dimension -3 at axis 1: expected every dimension to be 1 or more (axis=0)"
        },
        {
            [100000, 100000, 1000], AxisSpec.Of(-1), BatchNormErrorCategory.ElementCountOverflow,
            "input shape (100000, 100000, 1000) has 10000000000000 elements (axis=-1 resolves to [2]): expected at most 2147483591, the largest .NET array"
        },
        {
            // Overflows 64-bit arithmetic too: the count must still be reported exactly ((2^31 - 1)^5, from Python).
            [int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue], AxisSpec.Of(0), BatchNormErrorCategory.ElementCountOverflow,
            "input shape (2147483647, 2147483647, 2147483647, 2147483647, 2147483647) has 45671926060252476630107084286792841360213803007 elements (axis=0 resolves to [0]): expected at most 2147483591, the largest .NET array"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Resolve_RejectsWithCategoryAndOneLineMessage(int[] shape, AxisSpec axis, BatchNormErrorCategory category, string message)
    {
        var error = Assert.Throws<BatchNormArgumentException>(() => AxisResolution.Resolve(shape, axis));

        Assert.Equal(category, error.Category);
        Assert.Equal(message, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Resolve_LargestArrayIsAccepted()
    {
        AxisResolution resolution = AxisResolution.Resolve([Array.MaxLength], AxisSpec.Of(0));

        Assert.Equal(Array.MaxLength, resolution.ElementCount);
    }

    [Fact]
    public void Resolve_NullArgumentsThrowArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => AxisResolution.Resolve([2], null!));
        Assert.Throws<ArgumentNullException>(() => AxisResolution.Resolve((int[])null!, AxisSpec.Default));
    }
}
