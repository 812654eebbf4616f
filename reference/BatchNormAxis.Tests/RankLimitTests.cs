using System.Diagnostics;
using System.Numerics.Tensors;

namespace BatchNormAxis.Tests;

/// <summary>
/// The rank limit (<see cref="AxisResolution.MaxRank"/>): rank 64 works in both implementations, anything above is a
/// one-line <see cref="BatchNormErrorCategory.RankTooLarge"/> at once, and hostile lengths never make a long message.
/// </summary>
public class RankLimitTests
{
    /// <summary>A generous guard: the checks are linear and take milliseconds; seconds would mean quadratic work.</summary>
    private static readonly TimeSpan s_quickly = TimeSpan.FromSeconds(10);

    public static TheoryData<string> Implementations => ["scalar", "fast"];

    private static IBatchNormalization Implementation(string name) => name == "fast" ? new FastBatchNorm(2) : ScalarBatchNorm.Instance;

    private static int[] Ones(int rank) => [.. Enumerable.Repeat(1, rank)];

    [Fact]
    public void MaxRank_IsNumPysLimit()
    {
        Assert.Equal(64, AxisResolution.MaxRank);
    }

    [Fact]
    public void Rank65_IsRejectedWithTheRankAndTheLimit()
    {
        var error = Assert.Throws<BatchNormArgumentException>(() => AxisResolution.Resolve(Ones(65), AxisSpec.Of(-1)));

        Assert.Equal(BatchNormErrorCategory.RankTooLarge, error.Category);
        Assert.Equal("input shape has rank 65 (axis=-1): expected at most 64 dimensions (AxisResolution.MaxRank, NumPy's limit)", error.Message);
    }

    [Fact]
    public void RankTwoMillion_IsRejectedQuicklyInOneShortLine()
    {
        // The example: a valid all-ones shape of rank 2,000,000 overflowed the stack in FastBatchNorm.
        int[] shape = Ones(2_000_000);
        var clock = Stopwatch.StartNew();

        var error = Assert.Throws<BatchNormArgumentException>(() => AxisResolution.Resolve(shape, AxisSpec.List(0, -1)));

        Assert.True(clock.Elapsed < s_quickly, $"took {clock.Elapsed}");
        Assert.Equal(BatchNormErrorCategory.RankTooLarge, error.Category);
        Assert.Equal("input shape has rank 2000000 (axis=[0, -1]): expected at most 64 dimensions (AxisResolution.MaxRank, NumPy's limit)", error.Message);
    }

    [Fact]
    public void RankIsCheckedBeforeTheDimensions()
    {
        // A negative dimension or a zero would be reported otherwise: the rank comes first, so its check is O(1).
        int[] shape = [-1, 0, .. Ones(100)];

        var error = Assert.Throws<BatchNormArgumentException>(() => AxisResolution.Resolve(shape, AxisSpec.Of(-1)));

        Assert.Equal(BatchNormErrorCategory.RankTooLarge, error.Category);
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Rank64_TrainingForwardAndBackward(string name)
    {
        IBatchNormalization implementation = Implementation(name);
        AxisResolution layout = AxisResolution.Resolve(Ones(64), AxisSpec.List(0, 31, -1));
        Assert.Equal(1, layout.ElementCount);

        // One element per channel: the batch mean is the element and the variance 0, so y = beta (the fast fold
        // x * scale + shift rounds near 3 / sqrt(epsilon) ≈ 95, hence the tolerance), the moving mean moves 1% of
        // the way to x, and every gradient but dbeta = dy is 0.
        ForwardResult<float> forward = LayerCall.Forward(implementation, layout, BatchNormOptions.Default, training: true, x: [3f], beta: [0.5f], movingMean: [1f]);
        Assert.Equal(0.5f, forward.Y[0], 1e-4f);
        Assert.Equal((float)((1 * 0.99) + (3 * 0.01)), forward.MovingMean[0], 6);
        Assert.Equal([3f], forward.Mean);
        Assert.Equal([0f], forward.Variance);

        BackwardResult<float> backward = LayerCall.Backward(implementation, layout, BatchNormOptions.Default, training: true, x: [3f], dy: [2f]);
        Assert.Equal([0f], backward.Dx);
        Assert.Equal([0f], backward.Dgamma);
        Assert.Equal([2f], backward.Dbeta);
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Rank64_Inference(string name)
    {
        IBatchNormalization implementation = Implementation(name);
        AxisResolution layout = AxisResolution.Resolve(Ones(64), AxisSpec.Of(-1));

        ForwardResult<double> forward = LayerCall.Forward(implementation, layout, BatchNormOptions.Default, training: false, x: [2.0], movingVariance: [3.0]);

        Assert.Equal(2 / Math.Sqrt(3.001), forward.Y[0], 12);
    }

    [Fact]
    public void AxisListOfMillionsOfEntries_IsADuplicateQuicklyInOneShortLine()
    {
        AxisSpec axis = AxisSpec.List([.. Enumerable.Range(0, 2_000_000).Select(i => i % 4)]);
        var clock = Stopwatch.StartNew();

        var error = Assert.Throws<BatchNormArgumentException>(() => AxisResolution.Resolve([2, 3, 4, 5], axis));

        Assert.True(clock.Elapsed < s_quickly, $"took {clock.Elapsed}");
        Assert.Equal(BatchNormErrorCategory.DuplicateAxis, error.Category);
        Assert.Equal(
            "axis=[0, 1, 2, 3, 0, 1, 2, 3, ... 2000000 in all] names axis 0 twice for input shape (2, 3, 4, 5) (resolves to [0, 1, 2, 3, 0, 1, 2, 3, ... 2000000 in all]): expected distinct axes",
            error.Message);
    }

    [Fact]
    public void ShapeText_AbbreviatesOnlyBeyondTheRankLimit()
    {
        Assert.Equal("(" + string.Join(", ", Ones(64)) + ")", ShapeText.Tuple(Ones(64)));
        Assert.Equal("(1, 1, 1, 1, 1, 1, 1, 1, ... 65 in all)", ShapeText.Tuple(Ones(65)));
        Assert.Equal("[0, 1, 2, 3, 4, 5, 6, 7, ... 100 in all]", ShapeText.List([.. Enumerable.Range(0, 100)]));
    }

    [Fact]
    public void MaskOfHugeRank_IsAShortMismatch()
    {
        AxisResolution layout = AxisResolution.Resolve([2, 3], AxisSpec.Of(-1));

        var error = Assert.Throws<BatchNormArgumentException>(() => layout.ValidateMaskShape(Ones(1_000_000)));

        Assert.Equal(BatchNormErrorCategory.MaskShapeMismatch, error.Category);
        Assert.StartsWith("mask has shape (1, 1, 1, 1, 1, 1, 1, 1, ... 1000000 in all) (rank 1000000)", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 300, error.Message);
    }

    [Fact]
    public void ParameterShapeOfHugeRank_IsAShortMismatch()
    {
        AxisResolution layout = AxisResolution.Resolve([2, 3], AxisSpec.Of(-1));

        var error = Assert.Throws<BatchNormArgumentException>(() => layout.ValidateParameterShape("gamma", Ones(1_000_000)));

        Assert.Equal(BatchNormErrorCategory.ParameterShapeMismatch, error.Category);
        Assert.True(error.Message.Length < 300, error.Message);
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void TensorOfRank65_IsABufferMismatchNamingTheRank(string name)
    {
        AxisResolution layout = AxisResolution.Resolve([1, 1], AxisSpec.Of(-1));
        nint[] lengths = [.. Enumerable.Repeat((nint)1, 65)];
        float[] one = [1f];
        float[] y = new float[1], movingMean = new float[1], movingVariance = new float[1];
        float[] gamma = [1f], beta = [0f], mean = [0f], variance = [1f];

        var error = Assert.Throws<BatchNormArgumentException>(() => Implementation(name).Forward(
            layout,
            BatchNormOptions.Default,
            true,
            new ReadOnlyTensorSpan<float>(one, lengths, []),
            new BatchNormWeights<float>(gamma, beta, mean, variance),
            new TensorSpan<float>(y, [1, 1], []),
            movingMean,
            movingVariance));

        Assert.Equal(BatchNormErrorCategory.BufferLengthMismatch, error.Category);
        Assert.Equal("x has rank 65 (at most 64 is supported), expected the layout's shape (1, 1)", error.Message);
    }
}
