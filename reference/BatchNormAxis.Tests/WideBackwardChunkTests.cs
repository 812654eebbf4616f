namespace BatchNormAxis.Tests;

/// <summary>
/// The wide-columns backward (few rows of many channels: axis=[1, 2, 3]) takes chunks sized from the machine's L2
/// (<see cref="FastTuning.WideBackwardChunkBytes"/>), so a chunk's width must change no bit of dx, dgamma or dbeta,
/// or results would differ between machines; and the size must keep a chunk's x and dy within the L2 it is sized for.
/// </summary>
public class WideBackwardChunkTests
{
    public static TheoryData<int[], int> ShapesAndThreads() => new()
    {
        { [32, 28, 28, 64], 1 }, // 32 rows of 50176 channels: 512 to 4096 columns a chunk, the last one partial
        { [32, 28, 28, 64], 2 },
        { [7, 3, 5, 333], 1 },   // 7 rows of 4995 channels: fewer channels than a vector's multiple, one to nine chunks
        { [7, 3, 5, 333], 2 },
    };

    [Theory]
    [MemberData(nameof(ShapesAndThreads))]
    public void Backward_ChunksOfAnyWidth_GiveTheSameBits(int[] shape, int threads)
    {
        AxisResolution layout = AxisResolution.Resolve(shape, AxisSpec.List(1, 2, 3));
        var random = new Random(shape.Sum() + threads);
        float[] x = [.. Enumerable.Range(0, layout.ElementCount).Select(_ => (float)((random.NextDouble() * 4) - 1.5))];
        float[] dy = [.. Enumerable.Range(0, layout.ElementCount).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        float[] gamma = [.. Enumerable.Range(0, layout.ChannelCount).Select(_ => (float)(random.NextDouble() + 0.5))];

        BackwardResult<float> Run(int chunkBytes) => LayerCall.Backward(
            new FastBatchNorm(threads) { WideBackwardChunkBytes = chunkBytes }, layout, BatchNormOptions.Default, true, x, dy, gamma);

        BackwardResult<float> expected = Run(FastTuning.WideChunkBytes);
        foreach (int chunkBytes in new[] { 16 * 1024, 64 * 1024, 2 * FastTuning.WideChunkBytes, 1 << 20 })
        {
            BackwardResult<float> actual = Run(chunkBytes);
            Assert.Equal(Bits(expected.Dx), Bits(actual.Dx));
            Assert.Equal(Bits(expected.Dgamma), Bits(actual.Dgamma));
            Assert.Equal(Bits(expected.Dbeta), Bits(actual.Dbeta));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(256 * 1024)]
    [InlineData(512 * 1024)]
    [InlineData(1 << 20)]
    [InlineData(2 << 20)]
    [InlineData(32 << 20)]
    public void ChunkBytes_NeverBelowTheForwardsAndWithinAKnownL2(int l2Bytes)
    {
        int chunkBytes = FastTuning.WideBackwardChunkBytesFor(l2Bytes);

        Assert.True(chunkBytes >= FastTuning.WideChunkBytes, $"{chunkBytes} bytes is below the forward's {FastTuning.WideChunkBytes}");
        if (l2Bytes >= 2 * FastTuning.WideChunkBytes)
        {
            Assert.True(2 * chunkBytes <= l2Bytes, $"x's and dy's rows of a chunk, 2 × {chunkBytes} bytes, exceed an L2 of {l2Bytes}");
        }
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
