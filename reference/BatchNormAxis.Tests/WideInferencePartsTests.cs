using CsCheck;

namespace BatchNormAxis.Tests;

/// <summary>
/// Inference of few wide rows on several threads cuts the columns into parts (<see cref="WideInferenceJob{T}"/>):
/// the parts must cover every column once, start on whole cache lines, and be taken only where they apply.
/// </summary>
public class WideInferencePartsTests
{
    [Fact]
    public void Columns_CoverEveryColumnOnceInOrder_EachStartingOnAWholeLine()
    {
        Gen.Select(Gen.Int[1, 1_000_000], Gen.Int[1, 64]).Sample((width, count) =>
        {
            int next = 0;
            int widest = 0;
            for (int part = 0; part < count; part++)
            {
                (int first, int length) = WideInferenceJob<float>.Columns(width, count, part);
                Assert.True(length >= 0, $"part {part} of {count} over {width}: length {length}");
                if (length == 0)
                {
                    continue;
                }

                Assert.Equal(next, first);
                Assert.Equal(0, first % WideInferenceJob<float>.PartAlignment);
                next = first + length;
                widest = Math.Max(widest, length);
            }

            Assert.Equal(width, next);
            int fairShare = (width + count - 1) / count;
            Assert.True(widest < fairShare + WideInferenceJob<float>.PartAlignment, $"a part of {widest} columns where {count} parts share {width}");
        });
    }

    [Theory]
    [InlineData(new[] { 32, 56, 56, 64 }, 1, 1)]       // one thread: the usual path
    [InlineData(new[] { 32, 56, 56, 64 }, 2, 2)]       // axis=[1, 2, 3] of the benchmark: rows of 200704 channels
    [InlineData(new[] { 32, 56, 56, 64 }, 16, 16)]
    [InlineData(new[] { 2, 256, 256, 1 }, 8, 2)]       // 131072 elements: two parts of 65536 at most
    [InlineData(new[] { 32, 28, 28, 64 }, 2, 1)]       // rows of 50176 channels: too short to go in pairs
    [InlineData(new[] { 32, 57, 57, 63 }, 2, 1)]       // rows of 204687 channels: not a whole number of vectors
    public void Parts_OnePerThreadWhereRowsGoInPairs(int[] shape, int threads, int expected)
    {
        AxisResolution layout = AxisResolution.Resolve(shape, AxisSpec.List(1, 2, 3));
        var rows = new RowLayout(layout, stackalloc int[RowLayout.ScratchLength]);

        Assert.Equal(expected, WideInferenceJob<float>.Parts(rows, layout.ElementCount, threads));
    }

    [Fact]
    public void Parts_OnlyForRowsThatShareTheirChannels()
    {
        AxisResolution layout = AxisResolution.Resolve([4, 200000], AxisSpec.Of(0));
        var rows = new RowLayout(layout, stackalloc int[RowLayout.ScratchLength]);

        Assert.Equal(1, WideInferenceJob<float>.Parts(rows, layout.ElementCount, 4));
    }
}
