using System.Numerics;
using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// The inner loops of <see cref="FastBatchNorm"/>'s backward pass (float32 and float64). Pass 1 sums, per channel, dy and
/// dy · (x - mean), the second already centred so a large mean cannot cancel it; pass 2 writes
/// dx = a · dy + b · (x - mean) + c with per-channel coefficients. float32 channels-last sums run in float32 lanes
/// over short blocks and are added into double once per block, as in <see cref="FastKernels"/>; every other sum is
/// in double. Vectors and summation order as in <see cref="FastKernels"/>.
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

    /// <summary>A row of consecutive channels: sumDy[i] += dy[i], sumDyCentred[i] += dy[i] · (x[i] - mean[i]), in double.</summary>
    public static void AccumulateChannels<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> mean, Span<double> sumDy, Span<double> sumDyCentred)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            int half = Vector<double>.Count;
            ref double sRef = ref MemoryMarshal.GetReference(sumDy);
            ref double pRef = ref MemoryMarshal.GetReference(sumDyCentred);
            for (; i <= x.Length - (2 * half); i += 2 * half)
            {
                (Vector<double> gLow, Vector<double> gHigh) = FastKernels.LoadWide(dy, i);
                (Vector<double> xLow, Vector<double> xHigh) = FastKernels.LoadWide(x, i);
                (Vector<double> mLow, Vector<double> mHigh) = FastKernels.LoadWide(mean, i);
                AddGradient(gLow, xLow - mLow, ref sRef, ref pRef, (nuint)i);
                AddGradient(gHigh, xHigh - mHigh, ref sRef, ref pRef, (nuint)(i + half));
            }
        }

        for (; i < x.Length; i++)
        {
            double g = double.CreateTruncating(dy[i]);
            sumDy[i] += g;
            sumDyCentred[i] += g * (double.CreateTruncating(x[i]) - double.CreateTruncating(mean[i]));
        }
    }

    /// <summary>One channel's run: Σ dy and Σ dy · (x - mean), accumulated in double (lane order: see <see cref="FastKernels"/>).</summary>
    public static (double SumDy, double SumDyCentred) AccumulateOneChannel<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, T mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sumDy = 0;
        double sumDyCentred = 0;
        double m = double.CreateTruncating(mean);
        int i = 0;
        int step = 2 * Vector<double>.Count;
        if (Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && x.Length >= step)
        {
            var vm = new Vector<double>(m);
            Vector<double> s0 = Vector<double>.Zero, s1 = Vector<double>.Zero, p0 = Vector<double>.Zero, p1 = Vector<double>.Zero;
            for (; i <= x.Length - step; i += step)
            {
                (Vector<double> gLow, Vector<double> gHigh) = FastKernels.LoadWide(dy, i);
                (Vector<double> xLow, Vector<double> xHigh) = FastKernels.LoadWide(x, i);
                s0 += gLow;
                s1 += gHigh;
                p0 = Vector.FusedMultiplyAdd(gLow, xLow - vm, p0);
                p1 = Vector.FusedMultiplyAdd(gHigh, xHigh - vm, p1);
            }

            sumDy = Vector.Sum(s0 + s1);
            sumDyCentred = Vector.Sum(p0 + p1);
        }

        for (; i < x.Length; i++)
        {
            double g = double.CreateTruncating(dy[i]);
            sumDy += g;
            sumDyCentred += g * (double.CreateTruncating(x[i]) - m);
        }

        return (sumDy, sumDyCentred);
    }

    /// <summary>Channels-last row: dx[i] = a[i] · dy[i] + b[i] · (x[i] - mean[i]) + c[i].</summary>
    public static void GradientRow<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> mean, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> c, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            ref T xRef = ref MemoryMarshal.GetReference(x);
            ref T gRef = ref MemoryMarshal.GetReference(dy);
            ref T mRef = ref MemoryMarshal.GetReference(mean);
            ref T aRef = ref MemoryMarshal.GetReference(a);
            ref T bRef = ref MemoryMarshal.GetReference(b);
            ref T cRef = ref MemoryMarshal.GetReference(c);
            ref T dRef = ref MemoryMarshal.GetReference(dx);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> centred = Vector.LoadUnsafe(ref xRef, (nuint)i) - Vector.LoadUnsafe(ref mRef, (nuint)i);
                Vector<T> partial = FastKernels.FusedMultiplyAdd(Vector.LoadUnsafe(ref bRef, (nuint)i), centred, Vector.LoadUnsafe(ref cRef, (nuint)i));
                FastKernels.FusedMultiplyAdd(Vector.LoadUnsafe(ref aRef, (nuint)i), Vector.LoadUnsafe(ref gRef, (nuint)i), partial).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            dx[i] = T.FusedMultiplyAdd(a[i], dy[i], T.FusedMultiplyAdd(b[i], x[i] - mean[i], c[i]));
        }
    }

    /// <summary>One channel's run: dx = a · dy + b · (x - mean) + c.</summary>
    public static void GradientRow<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, T mean, T a, T b, T c, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            ref T xRef = ref MemoryMarshal.GetReference(x);
            ref T gRef = ref MemoryMarshal.GetReference(dy);
            ref T dRef = ref MemoryMarshal.GetReference(dx);
            Vector<T> m = new(mean), va = new(a), vb = new(b), vc = new(c);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> partial = FastKernels.FusedMultiplyAdd(vb, Vector.LoadUnsafe(ref xRef, (nuint)i) - m, vc);
                FastKernels.FusedMultiplyAdd(va, Vector.LoadUnsafe(ref gRef, (nuint)i), partial).StoreUnsafe(ref dRef, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            dx[i] = T.FusedMultiplyAdd(a, dy[i], T.FusedMultiplyAdd(b, x[i] - mean, c));
        }
    }

    /// <summary>sumDy[i] += g; sumDyCentred[i] += g · centred (not fused, as the scalar loop), for one double vector.</summary>
    private static void AddGradient(Vector<double> g, Vector<double> centred, ref double sumDy, ref double sumDyCentred, nuint i)
    {
        (Vector.LoadUnsafe(ref sumDy, i) + g).StoreUnsafe(ref sumDy, i);
        (Vector.LoadUnsafe(ref sumDyCentred, i) + (g * centred)).StoreUnsafe(ref sumDyCentred, i);
    }
}
