namespace BatchNormAxis.Tests;

/// <summary>
/// The row-pair loops of the wide rows (<see cref="FastKernels.ScaleShiftRowPairs{T}"/> for y,
/// <see cref="FastGradientKernels.GradientRowPairs{T}"/> for dx) write every element of every row, each with the one
/// fused formula, whatever the rows' length, their count (an odd last row), where the output starts against a vector
/// boundary and whether the stores stream: the head and tail elements a scalar loop takes, the first row's lead, the
/// second row's lag and the rows taken one by one must all agree with the formula written out here, element by element.
/// </summary>
public unsafe class RowPairsTests
{
    public static TheoryData<int, int, int, bool> Shapes()
    {
        var shapes = new TheoryData<int, int, int, bool>();
        int lag = FastKernels.PairLag<float>();
        foreach (int length in new[] { 1, 7, (2 * lag) - 1, 2 * lag, (2 * lag) + 3, 1000, 1027 })
        {
            foreach (int rows in new[] { 1, 2, 5 })
            {
                foreach (int offset in new[] { 0, 3 })
                {
                    shapes.Add(length, rows, offset, false);
                    shapes.Add(length, rows, offset, true);
                }
            }
        }

        return shapes;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ScaleShiftRowPairs_WritesEveryElementByTheFormula(int length, int rows, int offset, bool streaming)
    {
        // Rows a whole number of vectors apart (as streaming pairs need) and, with the odd stride, rows one by one.
        foreach (int stride in new[] { RoundUp(length + 5, 16), length + 1 })
        {
            var random = new Random((length * 1000) + (rows * 10) + offset);
            float[] x = Values(random, offset + (rows * stride));
            float[] scale = Values(random, length);
            float[] shift = Values(random, length);
            float[] y = new float[x.Length];
            y.AsSpan().Fill(float.NaN); // anything a loop skips stays NaN

            fixed (float* px = x, py = y)
            {
                FastKernels.ScaleShiftRowPairs(px + offset, py + offset, stride, rows, scale, shift, streaming);
            }

            for (int r = 0; r < rows; r++)
            {
                for (int i = 0; i < length; i++)
                {
                    int at = offset + (r * stride) + i;
                    Assert.Equal(MathF.FusedMultiplyAdd(x[at], scale[i], shift[i]), y[at]);
                }
            }

            AssertUntouchedBetweenRows(y, offset, stride, rows, length);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GradientRowPairs_WritesEveryElementByTheFormula(int length, int rows, int offset, bool streaming)
    {
        foreach (int stride in new[] { RoundUp(length + 5, 16), length + 1 })
        {
            var random = new Random((length * 1000) + (rows * 10) + offset + 1);
            float[] x = Values(random, offset + (rows * stride));
            float[] dy = Values(random, x.Length);
            float[] mean = Values(random, length);
            float[] a = Values(random, length);
            float[] b = Values(random, length);
            float[] c = Values(random, length);
            float[] dx = new float[x.Length];
            dx.AsSpan().Fill(float.NaN);

            fixed (float* px = x, pdy = dy, pdx = dx)
            {
                FastGradientKernels.GradientRowPairs(px + offset, pdy + offset, pdx + offset, stride, rows, mean, a, b, c, streaming);
            }

            for (int r = 0; r < rows; r++)
            {
                for (int i = 0; i < length; i++)
                {
                    int at = offset + (r * stride) + i;
                    float expected = MathF.FusedMultiplyAdd(a[i], dy[at], MathF.FusedMultiplyAdd(b[i], x[at] - mean[i], c[i]));
                    Assert.Equal(expected, dx[at]);
                }
            }

            AssertUntouchedBetweenRows(dx, offset, stride, rows, length);
        }
    }

    private static void AssertUntouchedBetweenRows(float[] output, int offset, int stride, int rows, int length)
    {
        for (int at = 0; at < output.Length; at++)
        {
            int inRow = (at - offset) % stride;
            bool written = at >= offset && (at - offset) / stride < rows && inRow < length;
            if (!written)
            {
                Assert.True(float.IsNaN(output[at]), $"element {at}, outside every row, was written");
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 4) - 2);
        }

        return values;
    }
}
