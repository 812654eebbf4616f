using System.Collections.Immutable;
using CsCheck;

namespace BatchNormAxis.Tests;

/// <summary>
/// The one walk of the fast jobs visits every element of the input exactly once over all chunks, and names each
/// block's channel as the channel of its first element.
/// </summary>
public class TileWalkTests
{
    [Fact]
    public void Blocks_CoverEveryElementOnce_WithItsChannel()
    {
        Gen<(int[] Shape, int KeptMask, int RowsPerBlock, int ColumnsPerBlock, int ColumnsPerChunk, bool ColumnsOutside)> cases =
            from rank in Gen.Int[1, 5]
            from shape in Gen.Int[1, 9].Array[rank]
            from keptMask in Gen.Int[1, (1 << rank) - 1]
            from rowsPerBlock in Gen.Int[1, 5]
            from columnsPerBlock in Gen.Int[1, 12]
            from columnsPerChunk in Gen.Int[0, 20]
            from columnsOutside in Gen.Bool
            select (shape, keptMask, rowsPerBlock, columnsPerBlock, columnsPerChunk, columnsOutside);

        cases.Sample(c =>
        {
            int[] kept = [.. Enumerable.Range(0, c.Shape.Length).Where(axis => (c.KeptMask & (1 << axis)) != 0)];
            AxisResolution layout = AxisResolution.Resolve(c.Shape, AxisSpec.List(kept));
            int[] channelOf = ChannelOfEachElement(layout.Shape, kept);
            int[] visits = new int[layout.ElementCount];
            Span<int> scratch = stackalloc int[RowLayout.ScratchLength];
            var rows = new RowLayout(layout, scratch);
            var tiling = new Tiling(rows.RowCount, rows.RowLength, 1, rows.RowsShareChannels ? c.ColumnsPerChunk : 0, 8);
            for (int chunk = 0; chunk < tiling.Count; chunk++)
            {
                foreach (TileBlock block in new TileWalk(tiling, rows, chunk, c.RowsPerBlock, c.ColumnsPerBlock, c.ColumnsOutside))
                {
                    Assert.True(block.Rows == 1 || rows.RowsShareChannels, "blocks of several rows only where rows share their channels");
                    for (int r = 0; r < block.Rows; r++)
                    {
                        for (int j = 0; j < block.Length; j++)
                        {
                            long element = block.Start + ((long)r * rows.RowLength) + j;
                            visits[element]++;
                            int expected = rows.InnermostKept ? block.Channel + j : block.Channel;
                            Assert.True(channelOf[element] == expected, $"element {element}: channel {channelOf[element]}, walk says {expected}");
                        }
                    }
                }
            }

            Assert.All(visits, count => Assert.Equal(1, count));
        });
    }

    /// <summary>The channel of each element from its multi-index: row-major position of its kept coordinates.</summary>
    private static int[] ChannelOfEachElement(ImmutableArray<int> shape, int[] kept)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        int[] channels = new int[count];
        for (int element = 0; element < count; element++)
        {
            int rest = element;
            int channel = 0;
            int weight = 1;
            for (int axis = shape.Length - 1; axis >= 0; axis--)
            {
                int coordinate = rest % shape[axis];
                rest /= shape[axis];
                if (kept.Contains(axis))
                {
                    channel += coordinate * weight;
                    weight *= shape[axis];
                }
            }

            channels[element] = channel;
        }

        return channels;
    }
}
