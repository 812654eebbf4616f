using CsCheck;

namespace BatchNormAxis.Tests;

/// <summary>The fixed split of a pass into chunks covers every element exactly once and respects its limits.</summary>
public class TilingTests
{
    [Fact]
    public void Tiles_CoverEveryRowAndColumnExactlyOnce()
    {
        Gen<(int Rows, int Length, int Granularity, int Columns, int MaximumRowChunks)> cases =
            from rows in Gen.Int[1, 5000]
            from length in Gen.OneOf(Gen.Int[1, 300], Gen.Int[1, 40000])
            from granularity in Gen.Int[0, 1].Select(i => i == 0 ? 1 : 64)
            from columns in Gen.Int[0, 2].Select(i => i == 0 ? 0 : i == 1 ? 512 : 8192)
            from maximum in Gen.Int[1, 64]
            select (rows, length, granularity, columns, maximum);

        cases.Sample(c =>
        {
            var tiling = new Tiling(c.Rows, c.Length, c.Granularity, c.Columns, c.MaximumRowChunks);
            Assert.InRange(tiling.RowChunks, 1, c.MaximumRowChunks);

            // Row chunks partition [0, rows) in order; column chunks partition [0, length) in order.
            int nextRow = 0;
            for (int rowChunk = 0; rowChunk < tiling.RowChunks; rowChunk++)
            {
                int nextColumn = 0;
                int rowsOfChunk = -1;
                for (int columnChunk = 0; columnChunk < tiling.ColumnChunks; columnChunk++)
                {
                    int chunk = (rowChunk * tiling.ColumnChunks) + columnChunk;
                    (int firstRow, int rows, int firstColumn, int columns) = tiling[chunk];
                    Assert.Equal(rowChunk, tiling.RowChunkOf(chunk));
                    Assert.Equal(nextRow, firstRow);
                    Assert.Equal(0, firstRow % c.Granularity);
                    Assert.True(rows > 0 && columns > 0, $"empty chunk {chunk}");
                    Assert.True(rowsOfChunk < 0 || rowsOfChunk == rows, "a row chunk's tiles have one height");
                    rowsOfChunk = rows;
                    Assert.Equal(nextColumn, firstColumn);
                    nextColumn += columns;
                }

                Assert.Equal(c.Length, nextColumn);
                nextRow += rowsOfChunk;
            }

            Assert.Equal(c.Rows, nextRow);
        });
    }

    [Fact]
    public void SmallInputs_AreOneChunk()
    {
        // Fewer elements than one chunk's minimum: nothing to hand to another thread.
        var tiling = new Tiling(8, 16, 1, 0, 64);
        Assert.Equal(1, tiling.Count);
    }
}
