using System.Numerics;
using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// The float32 inner loops of <see cref="FastBatchNorm"/>'s backward pass. Pass 1 sums, per channel, dy and
/// dy · (x - mean), the second already centred so a large mean cannot cancel it; pass 2 writes
/// dx = a · dy + b · (x - mean) + c with per-channel coefficients. Sums run in float32 lanes over short blocks and
/// are added into double once per block, as in <see cref="FastKernels"/>; vectors and summation order as there.
/// </summary>
internal static class FastGradientKernels
{
    /// <summary>Channels-last rows: sumDy[c] += Σ dy, sumDyCentred[c] += Σ dy · (x - mean[c]) over <paramref name="rows"/> rows.</summary>
    public static void AccumulateChannelBlock(
        ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int rowStride, int rows, ReadOnlySpan<float> mean,
        Span<float> scratchDy, Span<float> scratchDyCentred, Span<double> sumDy, Span<double> sumDyCentred)
    {
        int width = mean.Length;
        Span<float> blockDy = scratchDy[..width];
        Span<float> blockDyCentred = scratchDyCentred[..width];
        blockDy.Clear();
        blockDyCentred.Clear();
        ref float mRef = ref MemoryMarshal.GetReference(mean);
        ref float sRef = ref MemoryMarshal.GetReference(blockDy);
        ref float pRef = ref MemoryMarshal.GetReference(blockDyCentred);
        for (int r = 0; r < rows; r++)
        {
            ref float xRef = ref MemoryMarshal.GetReference(x.Slice(r * rowStride, width));
            ref float gRef = ref MemoryMarshal.GetReference(dy.Slice(r * rowStride, width));
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; i <= width - Vector<float>.Count; i += Vector<float>.Count)
                {
                    Vector<float> g = Vector.LoadUnsafe(ref gRef, (nuint)i);
                    Vector<float> centred = Vector.LoadUnsafe(ref xRef, (nuint)i) - Vector.LoadUnsafe(ref mRef, (nuint)i);
                    (Vector.LoadUnsafe(ref sRef, (nuint)i) + g).StoreUnsafe(ref sRef, (nuint)i);
                    Vector.FusedMultiplyAdd(g, centred, Vector.LoadUnsafe(ref pRef, (nuint)i)).StoreUnsafe(ref pRef, (nuint)i);
                }
            }

            for (; i < width; i++)
            {
                float g = dy[(r * rowStride) + i];
                blockDy[i] += g;
                blockDyCentred[i] = MathF.FusedMultiplyAdd(g, x[(r * rowStride) + i] - mean[i], blockDyCentred[i]);
            }
        }

        FastKernels.AddWidened(blockDy, sumDy);
        FastKernels.AddWidened(blockDyCentred, sumDyCentred);
    }

    /// <summary>One channel's run: Σ dy and Σ dy · (x - mean), accumulated in double (lane order: see <see cref="FastKernels"/>).</summary>
    public static (double SumDy, double SumDyCentred) AccumulateOneChannel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float mean)
    {
        double sumDy = 0;
        double sumDyCentred = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            ref float xRef = ref MemoryMarshal.GetReference(x);
            ref float gRef = ref MemoryMarshal.GetReference(dy);
            var m = new Vector<double>(mean);
            Vector<double> s0 = Vector<double>.Zero, s1 = Vector<double>.Zero, p0 = Vector<double>.Zero, p1 = Vector<double>.Zero;
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref gRef, (nuint)i), out Vector<double> gLow, out Vector<double> gHigh);
                Vector.Widen(Vector.LoadUnsafe(ref xRef, (nuint)i), out Vector<double> xLow, out Vector<double> xHigh);
                s0 += gLow;
                s1 += gHigh;
                p0 = Vector.FusedMultiplyAdd(gLow, xLow - m, p0);
                p1 = Vector.FusedMultiplyAdd(gHigh, xHigh - m, p1);
            }

            sumDy = Vector.Sum(s0 + s1);
            sumDyCentred = Vector.Sum(p0 + p1);
        }

        for (; i < x.Length; i++)
        {
            sumDy += dy[i];
            sumDyCentred += dy[i] * ((double)x[i] - mean);
        }

        return (sumDy, sumDyCentred);
    }

    /// <summary>Channels-last row: dx[i] = a[i] · dy[i] + b[i] · (x[i] - mean[i]) + c[i].</summary>
    public static void GradientRow(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref float xRef = ref MemoryMarshal.GetReference(x);
            ref float gRef = ref MemoryMarshal.GetReference(dy);
            ref float mRef = ref MemoryMarshal.GetReference(mean);
            ref float aRef = ref MemoryMarshal.GetReference(a);
            ref float bRef = ref MemoryMarshal.GetReference(b);
            ref float cRef = ref MemoryMarshal.GetReference(c);
            ref float dRef = ref MemoryMarshal.GetReference(dx);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> centred = Vector.LoadUnsafe(ref xRef, (nuint)i) - Vector.LoadUnsafe(ref mRef, (nuint)i);
                Vector<float> partial = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref bRef, (nuint)i), centred, Vector.LoadUnsafe(ref cRef, (nuint)i));
                Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref aRef, (nuint)i), Vector.LoadUnsafe(ref gRef, (nuint)i), partial).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            dx[i] = MathF.FusedMultiplyAdd(a[i], dy[i], MathF.FusedMultiplyAdd(b[i], x[i] - mean[i], c[i]));
        }
    }

    /// <summary>One channel's run: dx = a · dy + b · (x - mean) + c.</summary>
    public static void GradientRow(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float mean, float a, float b, float c, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref float xRef = ref MemoryMarshal.GetReference(x);
            ref float gRef = ref MemoryMarshal.GetReference(dy);
            ref float dRef = ref MemoryMarshal.GetReference(dx);
            Vector<float> m = new(mean), va = new(a), vb = new(b), vc = new(c);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> partial = Vector.FusedMultiplyAdd(vb, Vector.LoadUnsafe(ref xRef, (nuint)i) - m, vc);
                Vector.FusedMultiplyAdd(va, Vector.LoadUnsafe(ref gRef, (nuint)i), partial).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            dx[i] = MathF.FusedMultiplyAdd(a, dy[i], MathF.FusedMultiplyAdd(b, x[i] - mean, c));
        }
    }
}
