namespace BatchNormAxis.Tests;

/// <summary>
/// The wide path's statistics (<see cref="FastKernels.AccumulateRowGroups"/>) add each whole group of eight rows as
/// the tree <see cref="RowGroupTree"/> documents and a last, shorter group term by term, in every lane and in the
/// scalar loop alike. The expected sums are written out here from that documented order, one channel at a time in
/// plain float32 arithmetic, so a dropped term, a changed order or a lane that differs from the scalar loop fails.
/// </summary>
public class RowGroupTreeTests
{
    public static TheoryData<int, int> WidthsAndRows() => new()
    {
        { 8, 8 },     // one vector (or less) of channels, one whole group
        { 13, 32 },   // a vector's worth and a scalar remainder, four whole groups (axis=[1, 2, 3] has 32 rows)
        { 40, 21 },   // two whole groups and a last group of five rows
        { 3, 7 },     // no whole vector, no whole group
    };

    [Theory]
    [MemberData(nameof(WidthsAndRows))]
    public void AccumulateRowGroups_GivesTheDocumentedOrderBitForBit(int width, int rows)
    {
        (float[] x, float[] shift) = Inputs(width, rows, seed: (width * 100) + rows);
        double[] sum = new double[width];
        double[] squares = new double[width];
        sum.AsSpan().Fill(0.25); // the block's sums are added to what the caller's sums hold
        squares.AsSpan().Fill(0.5);

        FastKernels.AccumulateRowGroups(x, width, rows, shift, new float[width], new float[width], sum, squares);

        for (int c = 0; c < width; c++)
        {
            (float expectedSum, float expectedSquares) = DocumentedOrder(x, width, rows, c, shift[c]);
            Assert.Equal(BitConverter.DoubleToInt64Bits(0.25 + expectedSum), BitConverter.DoubleToInt64Bits(sum[c]));
            Assert.Equal(BitConverter.DoubleToInt64Bits(0.5 + expectedSquares), BitConverter.DoubleToInt64Bits(squares[c]));
        }
    }

    [Fact]
    public void AccumulateRowGroups_ATreeIsNotTheRowOrder_OnValuesWhereTheyDiffer()
    {
        // One channel whose eight terms round differently in row order and as the tree: 1, then seven tiny terms t that
        // vanish one at a time against 1 but not all when added to each other first.
        const int Rows = 8;
        float tiny = MathF.ScaleB(1, -25); // a quarter of float32's spacing at 1: 1 + tiny rounds back to 1
        float[] x = [1, tiny, tiny, tiny, tiny, tiny, tiny, tiny];
        double[] sum = new double[1];
        double[] squares = new double[1];

        FastKernels.AccumulateRowGroups(x, 1, Rows, [0f], new float[1], new float[1], sum, squares);

        float rowOrder = 0;
        foreach (float value in x)
        {
            rowOrder += value;
        }

        Assert.Equal(1f, rowOrder);
        // The tree: 1 + t rounds to 1; t + t = 2t, and 1 + 2t, half a spacing, rounds to even: 1; the other four
        // give (t + t) + (t + t) = 4t, the spacing at 1, and 1 + 4t is exact.
        Assert.Equal(1 + Math.ScaleB(1, -23), sum[0]);
        Assert.NotEqual((double)rowOrder, sum[0]);
    }

    /// <summary>One channel's float32 sums in the order <see cref="RowGroupTree"/> documents.</summary>
    private static (float Sum, float Squares) DocumentedOrder(float[] x, int width, int rows, int channel, float shift)
    {
        float sum = 0;
        float squares = 0;
        int r = 0;
        for (; r + 8 <= rows; r += 8)
        {
            float[] d = [.. Enumerable.Range(r, 8).Select(j => x[(j * width) + channel] - shift)];
            sum += ((d[0] + d[1]) + (d[2] + d[3])) + ((d[4] + d[5]) + (d[6] + d[7]));
            squares += (MathF.FusedMultiplyAdd(d[0], d[0], d[1] * d[1]) + MathF.FusedMultiplyAdd(d[2], d[2], d[3] * d[3]))
                + (MathF.FusedMultiplyAdd(d[4], d[4], d[5] * d[5]) + MathF.FusedMultiplyAdd(d[6], d[6], d[7] * d[7]));
        }

        for (; r < rows; r++)
        {
            float d = x[(r * width) + channel] - shift;
            sum += d;
            squares = MathF.FusedMultiplyAdd(d, d, squares);
        }

        return (sum, squares);
    }

    private static (float[] X, float[] Shift) Inputs(int width, int rows, int seed)
    {
        var random = new Random(seed);
        float[] x = [.. Enumerable.Range(0, width * rows).Select(_ => (float)((random.NextDouble() * 6) - 2))];
        return (x, x[..width]); // the shift is row 0, as the wide path's
    }
}
