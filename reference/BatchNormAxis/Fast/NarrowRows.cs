using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BatchNormAxis;

/// <summary>
/// The loops over float32 channels-last rows of 16, 32, 48 or 64 channels that follow one another in memory
/// (axis=-1 on NHWC with that many channels), on hardware with 512-bit vectors: the forward's statistics and y, the
/// backward's sums and dx. Every per-channel value such a loop carries (two or four sums, two or four coefficients)
/// then fits in at most 16 of the 32 vector registers, so the loop reads x (and dy) and writes y (or dx) and
/// nothing else; the <see cref="System.Numerics.Vector{T}"/> loops of <see cref="FastKernels"/> and
/// <see cref="FastGradientKernels"/> (256 bits, 16 registers) load and store those values in L1 for every vector.
/// The operations per channel and their order are those of the Vector loops, so the results are the same bits.
/// Measurements: <see cref="FastTuning.NarrowRowMaximumWidth"/>.
/// </summary>
internal static class NarrowRows
{
    /// <summary>float32 lanes of a 512-bit vector.</summary>
    private const int N = 16;

    /// <summary>Whether rows of <paramref name="width"/> channels take these loops on this machine.</summary>
    public static bool Fits(int width) =>
        Vector512.IsHardwareAccelerated && width > 0 && width <= FastTuning.NarrowRowMaximumWidth && width % Vector512<float>.Count == 0;

    /// <summary>
    /// Whether a run of <paramref name="length"/> elements of y or dx over rows of <paramref name="period"/> channels
    /// takes these loops: rows that fit, and a run long enough to pay for rotating the coefficients
    /// (<see cref="FastTuning.NarrowRowMinimumRun"/>).
    /// </summary>
    public static bool FitsRun(int period, int length) => Fits(period) && length >= FastTuning.NarrowRowMinimumRun;

    /// <summary>
    /// <see cref="FastKernels.AccumulateRowBlock"/>'s float32 sums over <paramref name="rows"/> whole rows of
    /// <paramref name="width"/> channels from <paramref name="x"/>, with d = x - shift: each channel's Σ d and Σ d² in
    /// row order, written to the two destinations (not added to them). With <paramref name="rowFlags"/> (one per
    /// row), a row whose flag is false adds exact zeros, as there. <paramref name="width"/> must <see cref="Fits"/>.
    /// </summary>
    public static void Accumulate(ref readonly float x, int rows, int width, ref readonly float shift, ref float sum, ref float squares, ReadOnlySpan<bool> rowFlags)
    {
        switch (width / Vector512<float>.Count)
        {
            case 1:
                Accumulate<OneVector>(in x, rows, in shift, ref sum, ref squares, rowFlags);
                break;
            case 2:
                Accumulate<TwoVectors>(in x, rows, in shift, ref sum, ref squares, rowFlags);
                break;
            case 3:
                Accumulate<ThreeVectors>(in x, rows, in shift, ref sum, ref squares, rowFlags);
                break;
            default:
                Accumulate<FourVectors>(in x, rows, in shift, ref sum, ref squares, rowFlags);
                break;
        }
    }

    /// <summary>
    /// <see cref="FastKernels.ScaleShiftRows{T}"/> for float32 whole rows of <paramref name="period"/> channels (which
    /// must <see cref="Fits"/>): y[k] = x[k] · scale + shift of channel k mod period, fused. The coefficient spans hold
    /// at least <paramref name="period"/> values. With <paramref name="streaming"/>, the elements before the first
    /// 64-byte boundary of y take normal stores.
    /// </summary>
    public static void ScaleShift(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, int period, Span<float> y, bool streaming)
    {
        switch (period / Vector512<float>.Count)
        {
            case 1:
                ScaleShift<OneVector>(x, scale, shift, y, streaming);
                break;
            case 2:
                ScaleShift<TwoVectors>(x, scale, shift, y, streaming);
                break;
            case 3:
                ScaleShift<ThreeVectors>(x, scale, shift, y, streaming);
                break;
            default:
                ScaleShift<FourVectors>(x, scale, shift, y, streaming);
                break;
        }
    }

    /// <summary>
    /// <see cref="FastGradientKernels.AccumulateFoldedBlock"/>'s float32 sums over <paramref name="rows"/> whole rows
    /// of <paramref name="width"/> channels from <paramref name="x"/> and <paramref name="dy"/>, with d = x - shift:
    /// each channel's Σ d and Σ d² (when <typeparamref name="TSums"/> asks; else those destinations are left alone),
    /// Σ dy and Σ dy · d in row order, written to the destinations (not added to them). <paramref name="width"/> must
    /// <see cref="Fits"/>.
    /// </summary>
    public static void AccumulateFolded<TSums>(
        ref readonly float x, ref readonly float dy, int rows, int width, ref readonly float shift, ref float sum, ref float squares, ref float sumDy, ref float sumDyShifted)
        where TSums : struct, ISumSelection
    {
        switch (width / Vector512<float>.Count)
        {
            case 1:
                AccumulateFolded<TSums, OneVector>(in x, in dy, rows, in shift, ref sum, ref squares, ref sumDy, ref sumDyShifted);
                break;
            case 2:
                AccumulateFolded<TSums, TwoVectors>(in x, in dy, rows, in shift, ref sum, ref squares, ref sumDy, ref sumDyShifted);
                break;
            case 3:
                AccumulateFolded<TSums, ThreeVectors>(in x, in dy, rows, in shift, ref sum, ref squares, ref sumDy, ref sumDyShifted);
                break;
            default:
                AccumulateFolded<TSums, FourVectors>(in x, in dy, rows, in shift, ref sum, ref squares, ref sumDy, ref sumDyShifted);
                break;
        }
    }

    /// <summary>
    /// <see cref="FastGradientKernels.GradientRows{T}"/> for float32 whole rows of <paramref name="period"/> channels
    /// (which must <see cref="Fits"/>): dx[k] = a · dy[k] + b · (x[k] - mean) + c of channel k mod period. The
    /// coefficient spans hold at least <paramref name="period"/> values. With <paramref name="streaming"/>, the
    /// elements before the first 64-byte boundary of dx take normal stores.
    /// </summary>
    public static void Gradient(
        ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, int period, Span<float> dx, bool streaming)
    {
        switch (period / Vector512<float>.Count)
        {
            case 1:
                Gradient<OneVector>(x, dy, mean, a, b, c, dx, streaming);
                break;
            case 2:
                Gradient<TwoVectors>(x, dy, mean, a, b, c, dx, streaming);
                break;
            case 3:
                Gradient<ThreeVectors>(x, dy, mean, a, b, c, dx, streaming);
                break;
            default:
                Gradient<FourVectors>(x, dy, mean, a, b, c, dx, streaming);
                break;
        }
    }

    private static void Accumulate<TWidth>(ref readonly float x, int rows, ref readonly float shift, ref float sum, ref float squares, ReadOnlySpan<bool> rowFlags)
        where TWidth : struct, IVectorCount
    {
        int width = TWidth.Count * N;
        ref float xRef = ref Unsafe.AsRef(in x);
        (Vector512<float> k0, Vector512<float> k1, Vector512<float> k2, Vector512<float> k3) = Load<TWidth>(ref Unsafe.AsRef(in shift));
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        Vector512<float> q0 = default, q1 = default, q2 = default, q3 = default;
        nuint at = 0;
        for (int r = 0; r < rows; r++, at += (nuint)width)
        {
            // All ones, or all zeros for a row its flag leaves out (its differences then add exact zeros).
            Vector512<float> keep = rowFlags.IsEmpty || rowFlags[r] ? Vector512<float>.AllBitsSet : Vector512<float>.Zero;
            AddStatistics((Vector512.LoadUnsafe(ref xRef, at) - k0) & keep, ref s0, ref q0);
            if (TWidth.Count > 1)
            {
                AddStatistics((Vector512.LoadUnsafe(ref xRef, at + N) - k1) & keep, ref s1, ref q1);
            }

            if (TWidth.Count > 2)
            {
                AddStatistics((Vector512.LoadUnsafe(ref xRef, at + (2 * N)) - k2) & keep, ref s2, ref q2);
            }

            if (TWidth.Count > 3)
            {
                AddStatistics((Vector512.LoadUnsafe(ref xRef, at + (3 * N)) - k3) & keep, ref s3, ref q3);
            }
        }

        Store<TWidth>(s0, s1, s2, s3, ref sum);
        Store<TWidth>(q0, q1, q2, q3, ref squares);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddStatistics(Vector512<float> d, ref Vector512<float> sum, ref Vector512<float> squares)
    {
        sum += d;
        squares = Vector512.FusedMultiplyAdd(d, d, squares);
    }

    private static void ScaleShift<TWidth>(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y, bool streaming)
        where TWidth : struct, IVectorCount
    {
        int period = TWidth.Count * N;
        int length = x.Length;
        int head = streaming ? StreamingStores.Head(ref MemoryMarshal.GetReference(y), length, Vector512<byte>.Count) : 0;
        for (int i = 0; i < head; i++)
        {
            y[i] = MathF.FusedMultiplyAdd(x[i], scale[i], shift[i]);
        }

        Span<float> rotated = stackalloc float[2 * 4 * N]; // constant size (512 bytes), whatever the width
        Rotate(scale, head, period, rotated);
        Rotate(shift, head, period, rotated[period..]);
        ref float r = ref MemoryMarshal.GetReference(rotated);
        (Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3) = Load<TWidth>(ref r);
        (Vector512<float> o0, Vector512<float> o1, Vector512<float> o2, Vector512<float> o3) = Load<TWidth>(ref Unsafe.Add(ref r, period));
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        int at = head;
        for (; at <= length - period; at += period)
        {
            nuint n = (nuint)at;
            StreamingStores.Store(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xRef, n), s0, o0), ref yRef, n, streaming);
            if (TWidth.Count > 1)
            {
                StreamingStores.Store(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xRef, n + N), s1, o1), ref yRef, n + N, streaming);
            }

            if (TWidth.Count > 2)
            {
                StreamingStores.Store(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xRef, n + (2 * N)), s2, o2), ref yRef, n + (2 * N), streaming);
            }

            if (TWidth.Count > 3)
            {
                StreamingStores.Store(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xRef, n + (3 * N)), s3, o3), ref yRef, n + (3 * N), streaming);
            }
        }

        for (; at < length; at++)
        {
            int channel = at % period;
            y[at] = MathF.FusedMultiplyAdd(x[at], scale[channel], shift[channel]);
        }
    }

    private static void AccumulateFolded<TSums, TWidth>(
        ref readonly float x, ref readonly float dy, int rows, ref readonly float shift, ref float sum, ref float squares, ref float sumDy, ref float sumDyShifted)
        where TSums : struct, ISumSelection
        where TWidth : struct, IVectorCount
    {
        // Unused registers (fewer than four vectors) are dropped by the JIT: TWidth.Count is a constant per type.
        int width = TWidth.Count * N;
        ref float xRef = ref Unsafe.AsRef(in x);
        ref float gRef = ref Unsafe.AsRef(in dy);
        (Vector512<float> k0, Vector512<float> k1, Vector512<float> k2, Vector512<float> k3) = Load<TWidth>(ref Unsafe.AsRef(in shift));
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        Vector512<float> q0 = default, q1 = default, q2 = default, q3 = default;
        Vector512<float> g0 = default, g1 = default, g2 = default, g3 = default;
        Vector512<float> p0 = default, p1 = default, p2 = default, p3 = default;
        nuint end = (nuint)rows * (nuint)width;
        for (nuint i = 0; i < end; i += (nuint)width)
        {
            Add<TSums>(Vector512.LoadUnsafe(ref xRef, i) - k0, Vector512.LoadUnsafe(ref gRef, i), ref s0, ref q0, ref g0, ref p0);
            if (TWidth.Count > 1)
            {
                Add<TSums>(Vector512.LoadUnsafe(ref xRef, i + N) - k1, Vector512.LoadUnsafe(ref gRef, i + N), ref s1, ref q1, ref g1, ref p1);
            }

            if (TWidth.Count > 2)
            {
                Add<TSums>(Vector512.LoadUnsafe(ref xRef, i + (2 * N)) - k2, Vector512.LoadUnsafe(ref gRef, i + (2 * N)), ref s2, ref q2, ref g2, ref p2);
            }

            if (TWidth.Count > 3)
            {
                Add<TSums>(Vector512.LoadUnsafe(ref xRef, i + (3 * N)) - k3, Vector512.LoadUnsafe(ref gRef, i + (3 * N)), ref s3, ref q3, ref g3, ref p3);
            }
        }

        if (TSums.Statistics)
        {
            Store<TWidth>(s0, s1, s2, s3, ref sum);
            Store<TWidth>(q0, q1, q2, q3, ref squares);
        }

        Store<TWidth>(g0, g1, g2, g3, ref sumDy);
        Store<TWidth>(p0, p1, p2, p3, ref sumDyShifted);
    }

    /// <summary>One vector's terms into its four sums, as <c>FastGradientKernels.AddFoldedVector</c> adds them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add<TSums>(Vector512<float> d, Vector512<float> g, ref Vector512<float> sum, ref Vector512<float> squares, ref Vector512<float> sumDy, ref Vector512<float> sumDyShifted)
        where TSums : struct, ISumSelection
    {
        if (TSums.Statistics)
        {
            AddStatistics(d, ref sum, ref squares);
        }

        sumDy += g;
        sumDyShifted = Vector512.FusedMultiplyAdd(g, d, sumDyShifted);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TWidth>(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3, ref float destination)
        where TWidth : struct, IVectorCount
    {
        v0.StoreUnsafe(ref destination);
        if (TWidth.Count > 1)
        {
            v1.StoreUnsafe(ref destination, N);
        }

        if (TWidth.Count > 2)
        {
            v2.StoreUnsafe(ref destination, 2 * N);
        }

        if (TWidth.Count > 3)
        {
            v3.StoreUnsafe(ref destination, 3 * N);
        }
    }

    private static void Gradient<TWidth>(
        ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> dx, bool streaming)
        where TWidth : struct, IVectorCount
    {
        int period = TWidth.Count * N;
        int length = x.Length;

        int head = streaming ? StreamingStores.Head(ref MemoryMarshal.GetReference(dx), length, Vector512<byte>.Count) : 0;
        for (int i = 0; i < head; i++)
        {
            dx[i] = Element(x[i], dy[i], mean[i], a[i], b[i], c[i]);
        }

        Span<float> rotated = stackalloc float[4 * 4 * N]; // constant size (1 KB), whatever the width
        Rotate(mean, head, period, rotated);
        Rotate(a, head, period, rotated[period..]);
        Rotate(b, head, period, rotated[(2 * period)..]);
        Rotate(c, head, period, rotated[(3 * period)..]);

        ref float r = ref MemoryMarshal.GetReference(rotated);
        (Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3) = Load<TWidth>(ref r);
        (Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3) = Load<TWidth>(ref Unsafe.Add(ref r, period));
        (Vector512<float> b0, Vector512<float> b1, Vector512<float> b2, Vector512<float> b3) = Load<TWidth>(ref Unsafe.Add(ref r, 2 * period));
        (Vector512<float> c0, Vector512<float> c1, Vector512<float> c2, Vector512<float> c3) = Load<TWidth>(ref Unsafe.Add(ref r, 3 * period));
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float gRef = ref MemoryMarshal.GetReference(dy);
        ref float dRef = ref MemoryMarshal.GetReference(dx);
        int at = head;
        for (; at <= length - period; at += period)
        {
            nuint n = (nuint)at;
            StreamingStores.Store(Element(Vector512.LoadUnsafe(ref xRef, n), Vector512.LoadUnsafe(ref gRef, n), m0, a0, b0, c0), ref dRef, n, streaming);
            if (TWidth.Count > 1)
            {
                StreamingStores.Store(Element(Vector512.LoadUnsafe(ref xRef, n + N), Vector512.LoadUnsafe(ref gRef, n + N), m1, a1, b1, c1), ref dRef, n + N, streaming);
            }

            if (TWidth.Count > 2)
            {
                StreamingStores.Store(Element(Vector512.LoadUnsafe(ref xRef, n + (2 * N)), Vector512.LoadUnsafe(ref gRef, n + (2 * N)), m2, a2, b2, c2), ref dRef, n + (2 * N), streaming);
            }

            if (TWidth.Count > 3)
            {
                StreamingStores.Store(Element(Vector512.LoadUnsafe(ref xRef, n + (3 * N)), Vector512.LoadUnsafe(ref gRef, n + (3 * N)), m3, a3, b3, c3), ref dRef, n + (3 * N), streaming);
            }
        }

        for (; at < length; at++)
        {
            int channel = at % period;
            dx[at] = Element(x[at], dy[at], mean[channel], a[channel], b[channel], c[channel]);
        }
    }

    /// <summary>A channel's coefficients rotated for the vector loop, which starts at element <paramref name="head"/>: lane j holds channel (head + j) mod period.</summary>
    private static void Rotate(ReadOnlySpan<float> coefficients, int head, int period, Span<float> rotated)
    {
        for (int j = 0; j < period; j++)
        {
            rotated[j] = coefficients[(head + j) % period];
        }
    }

    /// <summary>dx = a · dy + b · (x - mean) + c, fused as in <see cref="FastGradientKernels.GradientRows{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Element(Vector512<float> x, Vector512<float> dy, Vector512<float> mean, Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Vector512.FusedMultiplyAdd(a, dy, Vector512.FusedMultiplyAdd(b, x - mean, c));

    private static float Element(float x, float dy, float mean, float a, float b, float c) =>
        MathF.FusedMultiplyAdd(a, dy, MathF.FusedMultiplyAdd(b, x - mean, c));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Load<TWidth>(ref float source)
        where TWidth : struct, IVectorCount
    {
        return (
            Vector512.LoadUnsafe(ref source),
            TWidth.Count > 1 ? Vector512.LoadUnsafe(ref source, N) : default,
            TWidth.Count > 2 ? Vector512.LoadUnsafe(ref source, 2 * N) : default,
            TWidth.Count > 3 ? Vector512.LoadUnsafe(ref source, 3 * N) : default);
    }

    /// <summary>How many 512-bit vectors of channels a row holds: a constant per type, so each instantiation keeps only its own registers.</summary>
    private interface IVectorCount
    {
        static abstract int Count { get; }
    }

    private readonly struct OneVector : IVectorCount
    {
        public static int Count => 1;
    }

    private readonly struct TwoVectors : IVectorCount
    {
        public static int Count => 2;
    }

    private readonly struct ThreeVectors : IVectorCount
    {
        public static int Count => 3;
    }

    private readonly struct FourVectors : IVectorCount
    {
        public static int Count => 4;
    }
}
