namespace BatchNormAxis.Tests;

/// <summary>
/// The wide-columns path (few rows of many channels: axis=[1, 2, 3]) takes chunks sized from the machine's L2
/// (<see cref="FastTuning.WideForwardChunkBytes"/>, <see cref="FastTuning.WideBackwardChunkBytes"/>), so a chunk's
/// width must change no bit of any output, or results would differ between machines; and the sizes must keep a
/// chunk's rows within the L2 they are chosen for.
/// </summary>
public class WideChunkTests
{
    private static readonly int[] s_otherChunkBytes = [16 * 1024, 64 * 1024, 3 * FastTuning.WideChunkBytes / 2, 2 * FastTuning.WideChunkBytes, 1 << 20];

    public static TheoryData<int[], int> ShapesAndThreads() => new()
    {
        { [32, 28, 28, 64], 1 }, // 32 rows of 50176 channels: 512 to 8192 columns a chunk, the last one partial
        { [32, 28, 28, 64], 2 },
        { [7, 3, 5, 333], 1 },   // 7 rows of 4995 channels: fewer channels than a vector's multiple, one to nine chunks
        { [7, 3, 5, 333], 2 },
    };

    [Theory]
    [MemberData(nameof(ShapesAndThreads))]
    public void TrainingForward_ChunksOfAnyWidth_GiveTheSameBits(int[] shape, int threads)
    {
        (AxisResolution layout, float[] x, _, float[] gamma) = Inputs(shape, threads);

        AssertEveryWidthGivesTheBitsOf256KB(chunkBytes =>
        {
            ForwardResult<float> result = LayerCall.Forward(
                new FastBatchNorm(threads) { WideForwardChunkBytes = chunkBytes }, layout, BatchNormOptions.Default, training: true, x, gamma);
            return [result.Y, result.MovingMean, result.MovingVariance, result.Mean, result.Variance];
        });
    }

    [Theory]
    [MemberData(nameof(ShapesAndThreads))]
    public void Backward_ChunksOfAnyWidth_GiveTheSameBits(int[] shape, int threads)
    {
        (AxisResolution layout, float[] x, float[] dy, float[] gamma) = Inputs(shape, threads);

        AssertEveryWidthGivesTheBitsOf256KB(chunkBytes =>
        {
            BackwardResult<float> result = LayerCall.Backward(
                new FastBatchNorm(threads) { WideBackwardChunkBytes = chunkBytes }, layout, BatchNormOptions.Default, true, x, dy, gamma);
            return [result.Dx, result.Dgamma, result.Dbeta];
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(256 * 1024)]
    [InlineData(512 * 1024)]
    [InlineData(1 << 20)]
    [InlineData(2 << 20)]
    [InlineData(32 << 20)]
    public void ChunkBytes_NeverBelowTheSmallestAndWithinAKnownL2(int l2Bytes)
    {
        int forward = FastTuning.WideForwardChunkBytesFor(l2Bytes);
        int backward = FastTuning.WideBackwardChunkBytesFor(l2Bytes);

        Assert.True(forward >= FastTuning.WideChunkBytes && backward >= FastTuning.WideChunkBytes, $"{forward} or {backward} bytes is below {FastTuning.WideChunkBytes}");
        if (l2Bytes >= 2 * FastTuning.WideChunkBytes)
        {
            Assert.True(forward <= l2Bytes / 2, $"x's rows of a training chunk, {forward} bytes, take more than half an L2 of {l2Bytes}");
            Assert.True(2 * backward <= l2Bytes, $"x's and dy's rows of a backward chunk, 2 × {backward} bytes, exceed an L2 of {l2Bytes}");
        }
    }

    private static (AxisResolution Layout, float[] X, float[] Dy, float[] Gamma) Inputs(int[] shape, int threads)
    {
        AxisResolution layout = AxisResolution.Resolve(shape, AxisSpec.List(1, 2, 3));
        var random = new Random(shape.Sum() + threads);
        float[] x = [.. Enumerable.Range(0, layout.ElementCount).Select(_ => (float)((random.NextDouble() * 4) - 1.5))];
        float[] dy = [.. Enumerable.Range(0, layout.ElementCount).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        float[] gamma = [.. Enumerable.Range(0, layout.ChannelCount).Select(_ => (float)(random.NextDouble() + 0.5))];
        return (layout, x, dy, gamma);
    }

    /// <summary>Every output of a call with each of the other chunk sizes, bit for bit against the call with 256 KB.</summary>
    private static void AssertEveryWidthGivesTheBitsOf256KB(Func<int, float[][]> outputsWithChunkBytes)
    {
        float[][] expected = outputsWithChunkBytes(FastTuning.WideChunkBytes);
        foreach (int chunkBytes in s_otherChunkBytes)
        {
            float[][] actual = outputsWithChunkBytes(chunkBytes);
            for (int output = 0; output < expected.Length; output++)
            {
                Assert.True(Bits(expected[output]).SequenceEqual(Bits(actual[output])), $"output {output} differs with chunks of {chunkBytes} bytes");
            }
        }
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
