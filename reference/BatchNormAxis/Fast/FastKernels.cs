using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BatchNormAxis;

/// <summary>
/// The inner loops of <see cref="FastBatchNorm"/>. Statistics are shifted sums accumulated in double: each channel's
/// values minus a shift (one of its own values) are summed with their squares in one pass; the shift removes any
/// large offset, so the variance S2/N - (S1/N)² does not cancel, and double accumulation makes the order of summation
/// irrelevant at float32 precision. float32 rows take a Vector256 path (8 floats widened to 2 × 4 doubles) when the
/// hardware has one; everything else, and every remainder, takes the scalar loop, which computes the same values.
/// </summary>
internal static class FastKernels
{
    /// <summary>A row of consecutive channels: sum[i] += x[i] - shift[i], squares[i] += (x[i] - shift[i])².</summary>
    public static void AccumulateChannels<T>(ReadOnlySpan<T> row, ReadOnlySpan<double> shift, Span<double> sum, Span<double> squares)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated)
        {
            ReadOnlySpan<float> x = MemoryMarshal.Cast<T, float>(row);
            ref float xRef = ref MemoryMarshal.GetReference(x);
            ref double kRef = ref MemoryMarshal.GetReference(shift);
            ref double sRef = ref MemoryMarshal.GetReference(sum);
            ref double qRef = ref MemoryMarshal.GetReference(squares);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                // Lanes 0-3 and 4-7 of the float vector become two double vectors, each paired with its channels' shifts.
                (Vector256<double> low, Vector256<double> high) = Vector256.Widen(Vector256.LoadUnsafe(ref xRef, (nuint)i));
                Vector256<double> dLow = low - Vector256.LoadUnsafe(ref kRef, (nuint)i);
                Vector256<double> dHigh = high - Vector256.LoadUnsafe(ref kRef, (nuint)(i + 4));
                (Vector256.LoadUnsafe(ref sRef, (nuint)i) + dLow).StoreUnsafe(ref sRef, (nuint)i);
                (Vector256.LoadUnsafe(ref sRef, (nuint)(i + 4)) + dHigh).StoreUnsafe(ref sRef, (nuint)(i + 4));
                (Vector256.LoadUnsafe(ref qRef, (nuint)i) + (dLow * dLow)).StoreUnsafe(ref qRef, (nuint)i);
                (Vector256.LoadUnsafe(ref qRef, (nuint)(i + 4)) + (dHigh * dHigh)).StoreUnsafe(ref qRef, (nuint)(i + 4));
            }
        }

        for (; i < row.Length; i++)
        {
            double d = double.CreateTruncating(row[i]) - shift[i];
            sum[i] += d;
            squares[i] += d * d;
        }
    }

    /// <summary>Rows accumulated in float32 before they are added into the double sums: short enough that float32 sums of shifted values stay accurate.</summary>
    public const int RowsPerBlock = 64;

    /// <summary>Channels accumulated together: two float32 accumulators of this size stay in L1 cache.</summary>
    public const int ChannelsPerBlock = 512;

    /// <summary>
    /// Several float32 rows of the same consecutive channels, at <paramref name="rowStride"/> floats apart:
    /// sum[c] += Σ (x - shift[c]), squares[c] += Σ (x - shift[c])². The rows are accumulated in float32 lanes
    /// (at most <see cref="RowsPerBlock"/> values per lane, of values already shifted near zero), then added once
    /// into the double sums.
    /// </summary>
    public static void AccumulateChannelBlock(ReadOnlySpan<float> x, int rowStride, int rows, ReadOnlySpan<float> shift, Span<float> sumScratch, Span<float> squaresScratch, Span<double> sum, Span<double> squares)
    {
        int width = shift.Length;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // 16 channels at a time, all rows of the block, accumulators in registers: per row two loads, two
            // subtractions, two additions and two fused multiply-adds, and no load or store of accumulators. The
            // block's rows (64 × the row stride) stay in L1, so the next 16 channels read them from cache.
            ref float xRef = ref MemoryMarshal.GetReference(x);
            ref float kRef = ref MemoryMarshal.GetReference(shift);
            for (; i <= width - (2 * Vector256<float>.Count); i += 2 * Vector256<float>.Count)
            {
                Vector256<float> k0 = Vector256.LoadUnsafe(ref kRef, (nuint)i);
                Vector256<float> k1 = Vector256.LoadUnsafe(ref kRef, (nuint)(i + 8));
                Vector256<float> s0 = Vector256<float>.Zero, s1 = Vector256<float>.Zero;
                Vector256<float> q0 = Vector256<float>.Zero, q1 = Vector256<float>.Zero;
                nuint offset = (nuint)i;
                for (int r = 0; r < rows; r++, offset += (nuint)rowStride)
                {
                    Vector256<float> d0 = Vector256.LoadUnsafe(ref xRef, offset) - k0;
                    Vector256<float> d1 = Vector256.LoadUnsafe(ref xRef, offset + 8) - k1;
                    s0 += d0;
                    s1 += d1;
                    q0 = Vector256.FusedMultiplyAdd(d0, d0, q0);
                    q1 = Vector256.FusedMultiplyAdd(d1, d1, q1);
                }

                s0.StoreUnsafe(ref MemoryMarshal.GetReference(sumScratch), (nuint)i);
                s1.StoreUnsafe(ref MemoryMarshal.GetReference(sumScratch), (nuint)(i + 8));
                q0.StoreUnsafe(ref MemoryMarshal.GetReference(squaresScratch), (nuint)i);
                q1.StoreUnsafe(ref MemoryMarshal.GetReference(squaresScratch), (nuint)(i + 8));
            }
        }

        // The remaining channels (all of them without vector hardware): one channel at a time over the rows.
        for (; i < width; i++)
        {
            float blockSum = 0;
            float blockSquares = 0;
            for (int r = 0; r < rows; r++)
            {
                float d = x[(r * rowStride) + i] - shift[i];
                blockSum += d;
                blockSquares = MathF.FusedMultiplyAdd(d, d, blockSquares);
            }

            sumScratch[i] = blockSum;
            squaresScratch[i] = blockSquares;
        }

        AddWidened(sumScratch[..width], sum);
        AddWidened(squaresScratch[..width], squares);
    }

    /// <summary>destination[i] += values[i] in double (exact widening, so the same bits as the scalar loop).</summary>
    public static void AddWidened(ReadOnlySpan<float> values, Span<double> destination)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float vRef = ref MemoryMarshal.GetReference(values);
            ref double dRef = ref MemoryMarshal.GetReference(destination);
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256<double> low, Vector256<double> high) = Vector256.Widen(Vector256.LoadUnsafe(ref vRef, (nuint)i));
                (Vector256.LoadUnsafe(ref dRef, (nuint)i) + low).StoreUnsafe(ref dRef, (nuint)i);
                (Vector256.LoadUnsafe(ref dRef, (nuint)(i + 4)) + high).StoreUnsafe(ref dRef, (nuint)(i + 4));
            }
        }

        for (; i < values.Length; i++)
        {
            destination[i] += values[i];
        }
    }

    /// <summary>A run of one channel's elements: returns the sum of x - shift and of its squares.</summary>
    public static (double Sum, double Squares) AccumulateOneChannel<T>(ReadOnlySpan<T> row, double shift)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        double squares = 0;
        int i = 0;
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated && row.Length >= Vector256<float>.Count)
        {
            ReadOnlySpan<float> x = MemoryMarshal.Cast<T, float>(row);
            ref float xRef = ref MemoryMarshal.GetReference(x);
            Vector256<double> k = Vector256.Create(shift);
            Vector256<double> sumLow = Vector256<double>.Zero, sumHigh = Vector256<double>.Zero;
            Vector256<double> squaresLow = Vector256<double>.Zero, squaresHigh = Vector256<double>.Zero;
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256<double> low, Vector256<double> high) = Vector256.Widen(Vector256.LoadUnsafe(ref xRef, (nuint)i));
                Vector256<double> dLow = low - k;
                Vector256<double> dHigh = high - k;
                sumLow += dLow;
                sumHigh += dHigh;
                squaresLow += dLow * dLow;
                squaresHigh += dHigh * dHigh;
            }

            sum = Vector256.Sum(sumLow + sumHigh);
            squares = Vector256.Sum(squaresLow + squaresHigh);
        }

        for (; i < row.Length; i++)
        {
            double d = double.CreateTruncating(row[i]) - shift;
            sum += d;
            squares += d * d;
        }

        return (sum, squares);
    }

    /// <summary>y = x * scale + shift, element by element (a row of consecutive channels).</summary>
    public static void ScaleShift<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated)
        {
            // Inlined rather than TensorPrimitives.MultiplyAdd: channels-last rows are short (C = 64 is 8 vectors),
            // and a call per row would cost as much as the row.
            ref float xRef = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(x));
            ref float sRef = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(scale));
            ref float bRef = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(shift));
            ref float yRef = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(y));
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xRef, (nuint)i), Vector256.LoadUnsafe(ref sRef, (nuint)i), Vector256.LoadUnsafe(ref bRef, (nuint)i))
                    .StoreUnsafe(ref yRef, (nuint)i);
            }
        }
        else if (typeof(T) == typeof(double))
        {
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(x, scale, shift, y);
            return;
        }

        for (; i < x.Length; i++)
        {
            y[i] = T.CreateTruncating((double.CreateTruncating(x[i]) * double.CreateTruncating(scale[i])) + double.CreateTruncating(shift[i]));
        }
    }

    /// <summary>y = x * scale + shift with one scale and shift (a run of one channel's elements).</summary>
    public static void ScaleShift<T>(ReadOnlySpan<T> x, T scale, T shift, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated)
        {
            ReadOnlySpan<float> xs = MemoryMarshal.Cast<T, float>(x);
            Span<float> ys = MemoryMarshal.Cast<T, float>(y);
            ref float xRef = ref MemoryMarshal.GetReference(xs);
            ref float yRef = ref MemoryMarshal.GetReference(ys);
            Vector256<float> s = Vector256.Create(Unsafe.As<T, float>(ref scale));
            Vector256<float> b = Vector256.Create(Unsafe.As<T, float>(ref shift));
            for (; i <= xs.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xRef, (nuint)i), s, b).StoreUnsafe(ref yRef, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            y[i] = T.FusedMultiplyAdd(x[i], scale, shift);
        }
    }
}
