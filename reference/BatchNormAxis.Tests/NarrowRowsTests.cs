using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BatchNormAxis.Tests;

/// <summary>
/// The 512-bit loops for rows of at most 64 channels (<see cref="NarrowRows"/>) give the bits of plain float32 loops
/// that do the same operations per channel in row order (the order of the 256-bit loops they stand in for). The kernels are called directly, so they are checked on machines without 512-bit vectors too (in software).
/// </summary>
public class NarrowRowsTests
{
    public static TheoryData<int, int> WidthsAndRows()
    {
        var data = new TheoryData<int, int>();
        foreach (int width in new[] { 16, 32, 48, 64 })
        {
            foreach (int rows in new[] { 1, 2, 17, 64 })
            {
                data.Add(width, rows);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WidthsAndRows))]
    public void Accumulate_Statistics_AreThoseOfAPlainLoopInRowOrder(int width, int rows)
    {
        (float[] x, _, float[] shift) = Inputs(width, rows, seed: (width * 100) + rows + 3);
        float[] sums = new float[2 * width];
        NarrowRows.Accumulate(in x[0], rows, width, in shift[0], ref sums[0], ref sums[width], rowFlags: default);
        Assert.Equal(Bits(PlainStatistics(x, shift, rows, _ => true)), Bits(sums));
    }

    [Theory]
    [MemberData(nameof(WidthsAndRows))]
    public void Accumulate_RowsFlaggedOut_AddNothing(int width, int rows)
    {
        (float[] x, _, float[] shift) = Inputs(width, rows, seed: (width * 100) + rows + 5);
        bool[] flags = [.. Enumerable.Range(0, rows).Select(r => r % 3 != 1)];
        if (rows > 1)
        {
            x.AsSpan(width, width).Fill(float.NaN); // row 1 is left out, and may hold anything
        }

        float[] sums = new float[2 * width];
        NarrowRows.Accumulate(in x[0], rows, width, in shift[0], ref sums[0], ref sums[width], flags);
        Assert.Equal(Bits(PlainStatistics(x, shift, rows, r => flags[r])), Bits(sums));
    }

    [Theory]
    [MemberData(nameof(WidthsAndRows))]
    public void AccumulateFolded_AllFourSums_AreThoseOfAPlainLoopInRowOrder(int width, int rows)
    {
        (float[] x, float[] dy, float[] shift) = Inputs(width, rows, seed: (width * 100) + rows);
        float[] sums = new float[4 * width];
        NarrowRows.AccumulateFolded<AllFourSums>(
            in x[0], in dy[0], rows, width, in shift[0], ref sums[0], ref sums[width], ref sums[2 * width], ref sums[3 * width]);

        float[] expected = new float[4 * width];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < width; c++)
            {
                float d = x[(r * width) + c] - shift[c];
                float g = dy[(r * width) + c];
                expected[c] += d;
                expected[width + c] = MathF.FusedMultiplyAdd(d, d, expected[width + c]);
                expected[(2 * width) + c] += g;
                expected[(3 * width) + c] = MathF.FusedMultiplyAdd(g, d, expected[(3 * width) + c]);
            }
        }

        Assert.Equal(Bits(expected), Bits(sums));
    }

    [Theory]
    [MemberData(nameof(WidthsAndRows))]
    public void AccumulateFolded_GradientSumsOnly_LeavesTheStatisticsAlone(int width, int rows)
    {
        (float[] x, float[] dy, float[] shift) = Inputs(width, rows, seed: (width * 100) + rows + 7);
        float[] sums = new float[4 * width];
        sums.AsSpan(0, 2 * width).Fill(-7.5f);
        NarrowRows.AccumulateFolded<GradientSumsOnly>(
            in x[0], in dy[0], rows, width, in shift[0], ref sums[0], ref sums[width], ref sums[2 * width], ref sums[3 * width]);

        float[] expected = new float[4 * width];
        expected.AsSpan(0, 2 * width).Fill(-7.5f);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < width; c++)
            {
                float d = x[(r * width) + c] - shift[c];
                float g = dy[(r * width) + c];
                expected[(2 * width) + c] += g;
                expected[(3 * width) + c] = MathF.FusedMultiplyAdd(g, d, expected[(3 * width) + c]);
            }
        }

        Assert.Equal(Bits(expected), Bits(sums));
    }

    public static TheoryData<int, int, int, bool> GradientCases()
    {
        var data = new TheoryData<int, int, int, bool>();
        foreach (int period in new[] { 16, 32, 48, 64 })
        {
            // Lengths of whole rows and of a partial last row; dx starting off a 64-byte boundary and on one.
            foreach (int length in new[] { period, (5 * period) + 3, 40 * period })
            {
                foreach (int offset in new[] { 0, 3, 5 })
                {
                    data.Add(period, length, offset, true);
                    data.Add(period, length, offset, false);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradient_IsTheFusedFormulaForEveryElement(int period, int length, int offset, bool streaming)
    {
        (float[] x, float[] dy, float[] mean) = Inputs(period, (length / period) + 1, seed: period + length + offset);
        var random = new Random(period * length);
        float[] a = Channels(random, period), b = Channels(random, period), c = Channels(random, period);

        (float[] buffer, int start) = GuardedBuffer(length, offset);
        Span<float> dx = buffer.AsSpan(start, length);
        NarrowRows.Gradient(x.AsSpan(0, length), dy.AsSpan(0, length), mean, a, b, c, period, dx, streaming);

        float[] expected = new float[length];
        for (int i = 0; i < length; i++)
        {
            int k = i % period;
            expected[i] = MathF.FusedMultiplyAdd(a[k], dy[i], MathF.FusedMultiplyAdd(b[k], x[i] - mean[k], c[k]));
        }

        Assert.Equal(Bits(expected), Bits(dx.ToArray()));
        AssertGuardsIntact(buffer, start, length);
    }

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void ScaleShift_IsTheFusedFormulaForEveryElement(int period, int length, int offset, bool streaming)
    {
        (float[] x, _, float[] scale) = Inputs(period, (length / period) + 1, seed: period + length + offset + 11);
        float[] shift = Channels(new Random(period * length), period);
        (float[] buffer, int start) = GuardedBuffer(length, offset);
        Span<float> y = buffer.AsSpan(start, length);
        NarrowRows.ScaleShift(x.AsSpan(0, length), scale, shift, period, y, streaming);

        float[] expected = new float[length];
        for (int i = 0; i < length; i++)
        {
            expected[i] = MathF.FusedMultiplyAdd(x[i], scale[i % period], shift[i % period]);
        }

        Assert.Equal(Bits(expected), Bits(y.ToArray()));
        AssertGuardsIntact(buffer, start, length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(24)]
    [InlineData(80)]
    [InlineData(128)]
    public void Fits_RejectsWidthsThatAreNotOneToFourVectors(int width) => Assert.False(NarrowRows.Fits(width));

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(48)]
    [InlineData(64)]
    public void Fits_TakesOneToFourVectorsWhereTheyAreAccelerated(int width) =>
        Assert.Equal(Vector512.IsHardwareAccelerated, NarrowRows.Fits(width));

    /// <summary>Σ d and Σ d² per channel (d = x - shift) in float32, row by row over the rows <paramref name="kept"/> keeps.</summary>
    private static float[] PlainStatistics(float[] x, float[] shift, int rows, Func<int, bool> kept)
    {
        int width = shift.Length;
        float[] sums = new float[2 * width];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < width && kept(r); c++)
            {
                float d = x[(r * width) + c] - shift[c];
                sums[c] += d;
                sums[width + c] = MathF.FusedMultiplyAdd(d, d, sums[width + c]);
            }
        }

        return sums;
    }

    private const float Guard = 12345.5f;

    /// <summary>A pinned buffer filled with <see cref="Guard"/> and where the output starts in it: `offset` floats past a 64-byte boundary.</summary>
    private static (float[] Buffer, int Start) GuardedBuffer(int length, int offset)
    {
        float[] buffer = GC.AllocateArray<float>(length + 96, pinned: true);
        GCHandle handle = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        int aligned = (int)((64 - (handle.AddrOfPinnedObject() % 64)) % 64) / sizeof(float);
        handle.Free();
        buffer.AsSpan().Fill(Guard);
        return (buffer, aligned + offset);
    }

    private static void AssertGuardsIntact(float[] buffer, int start, int length)
    {
        Assert.All(buffer[..start], value => Assert.Equal(Guard, value));
        Assert.All(buffer[(start + length)..], value => Assert.Equal(Guard, value));
    }

    private static (float[] X, float[] Dy, float[] PerChannel) Inputs(int width, int rows, int seed)
    {
        var random = new Random(seed);
        float[] x = new float[rows * width];
        float[] dy = new float[rows * width];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)((random.NextDouble() * 6) - 2);
            dy[i] = (float)(random.NextDouble() - 0.5);
        }

        return (x, dy, Channels(random, width));
    }

    private static float[] Channels(Random random, int width) => [.. Enumerable.Range(0, width).Select(_ => (float)((random.NextDouble() * 2) - 1))];

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
