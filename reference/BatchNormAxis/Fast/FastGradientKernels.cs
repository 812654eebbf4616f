using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// The inner loops of <see cref="FastBatchNorm"/>'s backward pass (float32 and float64). Pass 1 sums, per channel,
/// d = x - shift, d², dy and dy · d (<see cref="FoldedSums"/>): with a shift near the mean these give the statistics
/// and Σ dy · (x - mean) in one pass; with the mean itself as the shift, Σ dy · (x - mean) directly. Pass 2 writes
/// dx = a · dy + b · (x - mean) + c with per-channel coefficients. float32 sums (channels-last rows, channels-first
/// runs) run in float32 lanes over short blocks and are added into double once per block, as in
/// <see cref="FastKernels"/>; float64 sums and the float32 rows of several channels that are not channels-last
/// blocks (<see cref="AccumulateFoldedChannels{T}"/>) are in double. Vectors and summation order as in <see cref="FastKernels"/>.
/// </summary>
internal static unsafe class FastGradientKernels
{
    /// <summary>
    /// Backward pass 1 with the statistics folded in, channels-last float32 rows: per channel, with d = x - shift,
    /// sums[0] += Σ d, sums[1] += Σ d², sums[2] += Σ dy, sums[3] += Σ dy · d over <paramref name="rows"/> rows
    /// (each of the four spans as long as the shift). Accumulated in float32 lanes over the block (at most
    /// <see cref="FastTuning.RowsPerBlock"/> rows, of values shifted near zero), then added once into double.
    /// <paramref name="scratch"/> holds the four float32 sums, a quarter of it each (a quarter at least as long as the shift).
    /// </summary>
    public static void AccumulateFoldedBlock(
        ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int rowStride, int rows, ReadOnlySpan<float> shift, Span<float> scratch, FoldedSums sums) =>
        AccumulateBlock<AllFourSums>(x, dy, rowStride, rows, shift, scratch, sums);

    /// <summary>
    /// <see cref="AccumulateFoldedBlock"/>'s last two sums alone, Σ dy and Σ dy · d (the same bits), for callers that
    /// have the statistics already (the wide-columns path): half the scratch traffic and arithmetic.
    /// </summary>
    public static void AccumulateGradientBlock(
        ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int rowStride, int rows, ReadOnlySpan<float> shift, Span<float> scratch, FoldedSums sums) =>
        AccumulateBlock<GradientSumsOnly>(x, dy, rowStride, rows, shift, scratch, sums);

    private static void AccumulateBlock<TSums>(
        ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int rowStride, int rows, ReadOnlySpan<float> shift, Span<float> scratch, FoldedSums sums)
        where TSums : struct, ISumSelection
    {
        // Row by row, the block's float32 sums in scratch (in L1) between rows: each row is read from start to
        // end, so x and dy stream through memory in order (a vector of channels over all rows would jump a row
        // length at every step).
        int width = shift.Length;
        int stride = scratch.Length / 4;
        Span<float> s1 = scratch[..width];
        Span<float> s2 = scratch.Slice(stride, width);
        Span<float> sg = scratch.Slice(2 * stride, width);
        Span<float> sp = scratch.Slice(3 * stride, width);
        if (TSums.Statistics)
        {
            s1.Clear();
            s2.Clear();
        }

        sg.Clear();
        sp.Clear();
        ref float kRef = ref MemoryMarshal.GetReference(shift);
        ref float aRef = ref MemoryMarshal.GetReference(s1);
        ref float bRef = ref MemoryMarshal.GetReference(s2);
        ref float cRef = ref MemoryMarshal.GetReference(sg);
        ref float dRef = ref MemoryMarshal.GetReference(sp);
        int r = 0;
        if (rowStride == width && NarrowRows.Fits(width))
        {
            // At most 64 channels with 512-bit vectors: the sums stay in registers (the same bits).
            NarrowRows.AccumulateFolded<TSums>(
                in MemoryMarshal.GetReference(x), in MemoryMarshal.GetReference(dy), rows, width, in kRef, ref aRef, ref bRef, ref cRef, ref dRef);
            r = rows;
        }
        else if (Vector.IsHardwareAccelerated && rowStride == width && width % Vector<float>.Count == 0)
        {
            // Whole rows one after another in memory: one run, the channel index wrapping at the row's end (each
            // channel's terms still come in row order, so the sums are the same as row by row). 5 to 8 % faster on
            // 64-channel rows, measured side by side; x and dy prefetched a line at a time, 0.94 to 0.96 of the time
            // of the whole axis=-1 backward on one thread (Zen 3, side by side).
            ref float xStart = ref MemoryMarshal.GetReference(x);
            ref float gStart = ref MemoryMarshal.GetReference(dy);
            int length = rows * width;
            int c = 0;
            for (int i = 0; i < length; i += Vector<float>.Count)
            {
                if (i % SoftwarePrefetch.LineFloats == 0)
                {
                    SoftwarePrefetch.At(ref xStart, (nuint)i);
                    SoftwarePrefetch.At(ref gStart, (nuint)i);
                }

                Vector<float> d = Vector.LoadUnsafe(ref xStart, (nuint)i) - Vector.LoadUnsafe(ref kRef, (nuint)c);
                AddFoldedVector<TSums>(d, Vector.LoadUnsafe(ref gStart, (nuint)i), ref aRef, ref bRef, ref cRef, ref dRef, (nuint)c);
                c += Vector<float>.Count;
                if (c == width)
                {
                    c = 0;
                }
            }

            r = rows;
        }

        if (Vector.IsHardwareAccelerated && width >= FastTuning.FourRowMinimumWidth)
        {
            // Long rows four at a time: their terms are added in pairs before they reach the sums, so the sums are
            // loaded and stored once per four rows (measured slower on short channels-last rows, so not used there).
            for (; r <= rows - 4; r += 4)
            {
                ref float x0 = ref MemoryMarshal.GetReference(x.Slice(r * rowStride, width));
                ref float g0 = ref MemoryMarshal.GetReference(dy.Slice(r * rowStride, width));
                ref float x1 = ref MemoryMarshal.GetReference(x.Slice((r + 1) * rowStride, width));
                ref float g1 = ref MemoryMarshal.GetReference(dy.Slice((r + 1) * rowStride, width));
                ref float x2 = ref MemoryMarshal.GetReference(x.Slice((r + 2) * rowStride, width));
                ref float g2 = ref MemoryMarshal.GetReference(dy.Slice((r + 2) * rowStride, width));
                ref float x3 = ref MemoryMarshal.GetReference(x.Slice((r + 3) * rowStride, width));
                ref float g3 = ref MemoryMarshal.GetReference(dy.Slice((r + 3) * rowStride, width));
                int i = 0;
                for (; i <= width - Vector<float>.Count; i += Vector<float>.Count)
                {
                    Vector<float> k = Vector.LoadUnsafe(ref kRef, (nuint)i);
                    Vector<float> d0 = Vector.LoadUnsafe(ref x0, (nuint)i) - k, d1 = Vector.LoadUnsafe(ref x1, (nuint)i) - k;
                    Vector<float> d2 = Vector.LoadUnsafe(ref x2, (nuint)i) - k, d3 = Vector.LoadUnsafe(ref x3, (nuint)i) - k;
                    Vector<float> e0 = Vector.LoadUnsafe(ref g0, (nuint)i), e1 = Vector.LoadUnsafe(ref g1, (nuint)i);
                    Vector<float> e2 = Vector.LoadUnsafe(ref g2, (nuint)i), e3 = Vector.LoadUnsafe(ref g3, (nuint)i);
                    if (TSums.Statistics)
                    {
                        (Vector.LoadUnsafe(ref aRef, (nuint)i) + ((d0 + d1) + (d2 + d3))).StoreUnsafe(ref aRef, (nuint)i);
                        Vector<float> squares = Vector.FusedMultiplyAdd(d0, d0, d1 * d1) + Vector.FusedMultiplyAdd(d2, d2, d3 * d3);
                        (Vector.LoadUnsafe(ref bRef, (nuint)i) + squares).StoreUnsafe(ref bRef, (nuint)i);
                    }

                    (Vector.LoadUnsafe(ref cRef, (nuint)i) + ((e0 + e1) + (e2 + e3))).StoreUnsafe(ref cRef, (nuint)i);
                    Vector<float> products = Vector.FusedMultiplyAdd(e0, d0, e1 * d1) + Vector.FusedMultiplyAdd(e2, d2, e3 * d3);
                    (Vector.LoadUnsafe(ref dRef, (nuint)i) + products).StoreUnsafe(ref dRef, (nuint)i);
                }

                for (; i < width; i++)
                {
                    for (int j = r; j < r + 4; j++)
                    {
                        AddFoldedScalar<TSums>(x[(j * rowStride) + i] - shift[i], dy[(j * rowStride) + i], s1, s2, sg, sp, i);
                    }
                }
            }
        }

        for (; r < rows; r++)
        {
            ReadOnlySpan<float> xRow = x.Slice(r * rowStride, width);
            ReadOnlySpan<float> gRow = dy.Slice(r * rowStride, width);
            ref float xRef = ref MemoryMarshal.GetReference(xRow);
            ref float gRef = ref MemoryMarshal.GetReference(gRow);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; i <= width - Vector<float>.Count; i += Vector<float>.Count)
                {
                    Vector<float> d = Vector.LoadUnsafe(ref xRef, (nuint)i) - Vector.LoadUnsafe(ref kRef, (nuint)i);
                    AddFoldedVector<TSums>(d, Vector.LoadUnsafe(ref gRef, (nuint)i), ref aRef, ref bRef, ref cRef, ref dRef, (nuint)i);
                }
            }

            for (; i < width; i++)
            {
                AddFoldedScalar<TSums>(xRow[i] - shift[i], gRow[i], s1, s2, sg, sp, i);
            }
        }

        if (TSums.Statistics)
        {
            FastKernels.AddWidened(s1, sums.Sum);
            FastKernels.AddWidened(s2, sums.Squares);
        }

        FastKernels.AddWidened(sg, sums.SumDy);
        FastKernels.AddWidened(sp, sums.SumDyShifted);
    }

    /// <summary>The same four sums for a row of consecutive channels, in double (any layout, float32 or float64).</summary>
    public static void AccumulateFoldedChannels<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<double> shift, FoldedSums sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            int half = Vector<double>.Count;
            for (; i <= x.Length - (2 * half); i += 2 * half)
            {
                (Vector<double> xLow, Vector<double> xHigh) = FastKernels.LoadWide(x, i);
                (Vector<double> gLow, Vector<double> gHigh) = FastKernels.LoadWide(dy, i);
                AddFolded(xLow - new Vector<double>(shift[i..]), gLow, sums, i);
                AddFolded(xHigh - new Vector<double>(shift[(i + half)..]), gHigh, sums, i + half);
            }
        }

        for (; i < x.Length; i++)
        {
            double d = double.CreateTruncating(x[i]) - shift[i];
            double g = double.CreateTruncating(dy[i]);
            sums.Sum[i] += d;
            sums.Squares[i] += d * d;
            sums.SumDy[i] += g;
            sums.SumDyShifted[i] += g * d;
        }
    }

    /// <summary>
    /// The four sums of one channel's run, in double (lane order: see <see cref="FastKernels"/>); float32 runs go to
    /// the float32-lane overload. x and dy are prefetched ahead (float64 axis=1 backward, side by side on the Zen 3:
    /// 0.92 to 0.98 of the time).
    /// </summary>
    public static (double Sum, double Squares, double SumDy, double SumDyShifted) AccumulateFoldedOneChannel<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, double shift)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return AccumulateFoldedOneChannel(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(dy), (float)shift);
        }

        double s1 = 0, s2 = 0, sg = 0, sp = 0;
        int i = 0;
        int step = 2 * Vector<double>.Count;
        if (Vector.IsHardwareAccelerated && typeof(T) == typeof(double) && x.Length >= step)
        {
            var k = new Vector<double>(shift);
            Vector<double> a1 = Vector<double>.Zero, a2 = Vector<double>.Zero, ag = Vector<double>.Zero, ap = Vector<double>.Zero;
            Vector<double> b1 = Vector<double>.Zero, b2 = Vector<double>.Zero, bg = Vector<double>.Zero, bp = Vector<double>.Zero;
            for (; i <= x.Length - step; i += step)
            {
                SoftwarePrefetch.At(ref MemoryMarshal.GetReference(x), (nuint)i);
                SoftwarePrefetch.At(ref MemoryMarshal.GetReference(dy), (nuint)i);
                (Vector<double> xLow, Vector<double> xHigh) = FastKernels.LoadWide(x, i);
                (Vector<double> gLow, Vector<double> gHigh) = FastKernels.LoadWide(dy, i);
                Vector<double> d0 = xLow - k;
                Vector<double> d1 = xHigh - k;
                a1 += d0;
                b1 += d1;
                a2 = Vector.FusedMultiplyAdd(d0, d0, a2);
                b2 = Vector.FusedMultiplyAdd(d1, d1, b2);
                ag += gLow;
                bg += gHigh;
                ap = Vector.FusedMultiplyAdd(gLow, d0, ap);
                bp = Vector.FusedMultiplyAdd(gHigh, d1, bp);
            }

            s1 = Vector.Sum(a1 + b1);
            s2 = Vector.Sum(a2 + b2);
            sg = Vector.Sum(ag + bg);
            sp = Vector.Sum(ap + bp);
        }

        for (; i < x.Length; i++)
        {
            double d = double.CreateTruncating(x[i]) - shift;
            double g = double.CreateTruncating(dy[i]);
            s1 += d;
            s2 += d * d;
            sg += g;
            sp += g * d;
        }

        return (s1, s2, sg, sp);
    }

    /// <summary>
    /// <see cref="AccumulateFoldedOneChannel{T}"/> for float32 with a float32 <paramref name="shift"/>: the four sums
    /// in float32 lanes, two vectors at a time, each lane's sums added into double after
    /// <see cref="FastTuning.RowsPerBlock"/> values (as <see cref="FastKernels.AccumulateOneChannel(ReadOnlySpan{float}, float)"/>),
    /// x and dy prefetched ahead. Against every value widened and summed in double: 0.88 to 0.91 of the time of the
    /// whole axis=1 and axis=0 backward on one thread, 0.90 to 0.96 on two (Zen 3, side by side).
    /// </summary>
    public static (double Sum, double Squares, double SumDy, double SumDyShifted) AccumulateFoldedOneChannel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float shift)
    {
        double s1 = 0, s2 = 0, sg = 0, sp = 0;
        int i = 0;
        int step = 2 * Vector<float>.Count;
        if (Vector.IsHardwareAccelerated && x.Length >= step)
        {
            ref float xRef = ref MemoryMarshal.GetReference(x);
            ref float gRef = ref MemoryMarshal.GetReference(dy);
            var k = new Vector<float>(shift);
            Vector<double> t1 = Vector<double>.Zero, t2 = Vector<double>.Zero, tg = Vector<double>.Zero, tp = Vector<double>.Zero;
            while (i <= x.Length - step)
            {
                int blockEnd = FastKernels.LaneBlockEnd(i, x.Length, step);
                Vector<float> a1 = Vector<float>.Zero, a2 = Vector<float>.Zero, ag = Vector<float>.Zero, ap = Vector<float>.Zero;
                Vector<float> b1 = Vector<float>.Zero, b2 = Vector<float>.Zero, bg = Vector<float>.Zero, bp = Vector<float>.Zero;
                for (; i < blockEnd; i += step)
                {
                    SoftwarePrefetch.Ahead(ref Unsafe.Add(ref xRef, i), step);
                    SoftwarePrefetch.Ahead(ref Unsafe.Add(ref gRef, i), step);
                    Vector<float> d0 = Vector.LoadUnsafe(ref xRef, (nuint)i) - k;
                    Vector<float> d1 = Vector.LoadUnsafe(ref xRef, (nuint)(i + Vector<float>.Count)) - k;
                    Vector<float> g0 = Vector.LoadUnsafe(ref gRef, (nuint)i);
                    Vector<float> g1 = Vector.LoadUnsafe(ref gRef, (nuint)(i + Vector<float>.Count));
                    a1 += d0;
                    b1 += d1;
                    a2 = Vector.FusedMultiplyAdd(d0, d0, a2);
                    b2 = Vector.FusedMultiplyAdd(d1, d1, b2);
                    ag += g0;
                    bg += g1;
                    ap = Vector.FusedMultiplyAdd(g0, d0, ap);
                    bp = Vector.FusedMultiplyAdd(g1, d1, bp);
                }

                t1 += FastKernels.Widened(a1) + FastKernels.Widened(b1);
                t2 += FastKernels.Widened(a2) + FastKernels.Widened(b2);
                tg += FastKernels.Widened(ag) + FastKernels.Widened(bg);
                tp += FastKernels.Widened(ap) + FastKernels.Widened(bp);
            }

            s1 = Vector.Sum(t1);
            s2 = Vector.Sum(t2);
            sg = Vector.Sum(tg);
            sp = Vector.Sum(tp);
        }

        for (; i < x.Length; i++)
        {
            double d = x[i] - shift; // float32, as the lanes
            double g = dy[i];
            s1 += d;
            s2 += d * d;
            sg += g;
            sp += g * d;
        }

        return (s1, s2, sg, sp);
    }

    /// <summary>
    /// Consecutive whole channels-last rows of <paramref name="period"/> channels read as one run, as
    /// <see cref="FastKernels.ScaleShiftRows{T}"/> reads them: dx[k] = a · dy[k] + b · (x[k] - mean) + c of channel
    /// k mod period, each coefficient array holding period + <see cref="Vector{T}.Count"/> values, the first repeated.
    /// With period = the run's length it is one row of consecutive channels.
    /// </summary>
    /// <remarks>Compiled without a profile, as <see cref="FastKernels.ScaleShiftRows{T}"/> is, and for the same reason.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GradientRows<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> mean, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> c, int period, Span<T> dx, bool streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && NarrowRows.FitsRun(period, x.Length))
        {
            // At most 64 channels with 512-bit vectors, over a long run: the coefficients stay in registers (the same bits).
            NarrowRows.Gradient(
                MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(dy), MemoryMarshal.Cast<T, float>(mean), MemoryMarshal.Cast<T, float>(a), MemoryMarshal.Cast<T, float>(b), MemoryMarshal.Cast<T, float>(c), period, MemoryMarshal.Cast<T, float>(dx), streaming);
            return;
        }

        int i = 0;
        int k = 0;
        if (Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            ref T xRef = ref MemoryMarshal.GetReference(x);
            ref T gRef = ref MemoryMarshal.GetReference(dy);
            ref T mRef = ref MemoryMarshal.GetReference(mean);
            ref T aRef = ref MemoryMarshal.GetReference(a);
            ref T bRef = ref MemoryMarshal.GetReference(b);
            ref T cRef = ref MemoryMarshal.GetReference(c);
            ref T dRef = ref MemoryMarshal.GetReference(dx);
            i = streaming ? StreamingStores.Head(ref dRef, x.Length) : 0;
            k = GradientRowsScalar(x, dy, mean, a, b, c, period, dx, 0, i, k);

            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> centred = Vector.LoadUnsafe(ref xRef, (nuint)i) - Vector.LoadUnsafe(ref mRef, (nuint)k);
                Vector<T> partial = FastKernels.FusedMultiplyAdd(Vector.LoadUnsafe(ref bRef, (nuint)k), centred, Vector.LoadUnsafe(ref cRef, (nuint)k));
                Vector<T> value = FastKernels.FusedMultiplyAdd(Vector.LoadUnsafe(ref aRef, (nuint)k), Vector.LoadUnsafe(ref gRef, (nuint)i), partial);
                StreamingStores.Store(value, ref dRef, (nuint)i, streaming);
                k += Vector<T>.Count;
                while (k >= period)
                {
                    k -= period;
                }
            }
        }

        GradientRowsScalar(x, dy, mean, a, b, c, period, dx, i, x.Length, k);
    }

    /// <summary>
    /// dx = a · dy + b · (x - mean) + c, as <see cref="GradientRows{T}"/> computes it, over <paramref name="rows"/>
    /// rows of the same consecutive channels (as many as <paramref name="mean"/> holds), <paramref name="rowStride"/>
    /// elements apart, two rows at a time: each vector of the four coefficients is read once for both rows of a pair.
    /// The second row of a pair runs <see cref="FastKernels.PairLag{T}"/> elements behind the first, as in
    /// <see cref="FastKernels.ScaleShiftRowPairs{T}"/> and for the same reasons. One call for every pair, each pair one
    /// pointer loop with its first and last elements (up to the vectors' alignment) in a scalar loop: a call per pair,
    /// each slicing ten spans and running its ends through <see cref="GradientRows{T}"/>, took 1.03 to 1.04 times as
    /// long on axis=[1, 2, 3] backward (docs/performance.md). With <paramref name="streaming"/> and rows whose outputs
    /// are not all at the same alignment, or too short for a pair, the rows go one by one; so does an odd last row.
    /// </summary>
    public static void GradientRowPairs<T>(T* x, T* dy, T* dx, int rowStride, int rows, ReadOnlySpan<T> mean, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> c, bool streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int length = mean.Length;
        int lag = FastKernels.PairLag<T>();
        int head = streaming ? StreamingStores.Head(ref *dx, length) : 0; // the same in every row, when pairs are taken
        int body = (length - head) / Vector<T>.Count * Vector<T>.Count;
        bool sameAlignment = !streaming || (long)rowStride * sizeof(T) % Vector<byte>.Count == 0;
        int r = 0;
        if (Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && sameAlignment && body >= 2 * lag)
        {
            fixed (T* m = mean, pa = a, pb = b, pc = c)
            {
                var coefficients = new PairCoefficients<T>(m, pa, pb, pc);
                for (; r + 1 < rows; r += 2)
                {
                    long at = (long)r * rowStride;
                    GradientPairScalar(x + at, dy + at, dx + at, rowStride, coefficients, 0, head);
                    GradientPairVectors(x + at + head, dy + at + head, dx + at + head, rowStride, coefficients.From(head), body, lag, streaming);
                    GradientPairScalar(x + at, dy + at, dx + at, rowStride, coefficients, head + body, length);
                }
            }
        }

        for (; r < rows; r++)
        {
            long at = (long)r * rowStride;
            GradientRows(new ReadOnlySpan<T>(x + at, length), new ReadOnlySpan<T>(dy + at, length), mean, a, b, c, length, new Span<T>(dx + at, length), streaming);
        }
    }

    /// <summary>The four per-channel arrays of <see cref="GradientRowPairs{T}"/>, pinned.</summary>
    private readonly struct PairCoefficients<T>(T* mean, T* a, T* b, T* c)
        where T : unmanaged
    {
        public T* Mean => mean;

        public T* A => a;

        public T* B => b;

        public T* C => c;

        /// <summary>The same arrays from channel <paramref name="first"/> on.</summary>
        public PairCoefficients<T> From(int first) => new(mean + first, a + first, b + first, c + first);
    }

    /// <summary>
    /// The first <paramref name="count"/> elements (a whole number of vectors, at least two lags) of a pair of rows,
    /// the second <paramref name="lag"/> elements behind the first: the first row's first lag alone, then both, then
    /// the second row's last lag alone.
    /// </summary>
    private static void GradientPairVectors<T>(T* x0, T* g0, T* d0, int rowStride, PairCoefficients<T> coefficients, int count, int lag, bool streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* m = coefficients.Mean, a = coefficients.A, b = coefficients.B, c = coefficients.C;
        T* x1 = x0 + rowStride, g1 = g0 + rowStride, d1 = d0 + rowStride;
        int i = 0;
        for (; i < lag; i += Vector<T>.Count)
        {
            StreamingStores.Store(GradientVector(x0, g0, m, a, b, c, i), ref *d0, (nuint)i, streaming);
        }

        for (; i < count; i += Vector<T>.Count)
        {
            int j = i - lag;
            StreamingStores.Store(GradientVector(x0, g0, m, a, b, c, i), ref *d0, (nuint)i, streaming);
            StreamingStores.Store(GradientVector(x1, g1, m, a, b, c, j), ref *d1, (nuint)j, streaming);
        }

        for (int j = count - lag; j < count; j += Vector<T>.Count)
        {
            StreamingStores.Store(GradientVector(x1, g1, m, a, b, c, j), ref *d1, (nuint)j, streaming);
        }
    }

    /// <summary>One vector of dx = a · dy + b · (x - mean) + c from element <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> GradientVector<T>(T* x, T* dy, T* mean, T* a, T* b, T* c, int i)
        where T : unmanaged
    {
        Vector<T> partial = FastKernels.FusedMultiplyAdd(Vector.Load(b + i), Vector.Load(x + i) - Vector.Load(mean + i), Vector.Load(c + i));
        return FastKernels.FusedMultiplyAdd(Vector.Load(a + i), Vector.Load(dy + i), partial);
    }

    /// <summary>Elements <paramref name="from"/> to <paramref name="to"/> of both rows of a pair, one at a time.</summary>
    private static void GradientPairScalar<T>(T* x, T* dy, T* dx, int rowStride, PairCoefficients<T> coefficients, int from, int to)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < 2; row++, x += rowStride, dy += rowStride, dx += rowStride)
        {
            for (int i = from; i < to; i++)
            {
                dx[i] = T.FusedMultiplyAdd(coefficients.A[i], dy[i], T.FusedMultiplyAdd(coefficients.B[i], x[i] - coefficients.Mean[i], coefficients.C[i]));
            }
        }
    }

    /// <summary>Elements <paramref name="from"/> to <paramref name="to"/> of <see cref="GradientRows{T}"/>, from channel <paramref name="k"/>; returns the next channel.</summary>
    private static int GradientRowsScalar<T>(
        ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> mean, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> c, int period, Span<T> dx, int from, int to, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = from; i < to; i++)
        {
            dx[i] = T.FusedMultiplyAdd(a[k], dy[i], T.FusedMultiplyAdd(b[k], x[i] - mean[k], c[k]));
            k = k + 1 == period ? 0 : k + 1;
        }

        return k;
    }

    /// <summary>One channel's run: dx = a · dy + b · (x - mean) + c.</summary>
    public static void GradientRow<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, T mean, T a, T b, T c, Span<T> dx, bool streaming = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            ref T xRef = ref MemoryMarshal.GetReference(x);
            ref T gRef = ref MemoryMarshal.GetReference(dy);
            ref T dRef = ref MemoryMarshal.GetReference(dx);
            for (int head = streaming ? StreamingStores.Head(ref dRef, x.Length) : 0; i < head; i++)
            {
                dx[i] = T.FusedMultiplyAdd(a, dy[i], T.FusedMultiplyAdd(b, x[i] - mean, c));
            }

            Vector<T> m = new(mean), va = new(a), vb = new(b), vc = new(c);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> partial = FastKernels.FusedMultiplyAdd(vb, Vector.LoadUnsafe(ref xRef, (nuint)i) - m, vc);
                StreamingStores.Store(FastKernels.FusedMultiplyAdd(va, Vector.LoadUnsafe(ref gRef, (nuint)i), partial), ref dRef, (nuint)i, streaming);
            }
        }

        for (; i < x.Length; i++)
        {
            dx[i] = T.FusedMultiplyAdd(a, dy[i], T.FusedMultiplyAdd(b, x[i] - mean, c));
        }
    }

    /// <summary>Adds one double vector of channels from <paramref name="i"/> into the four folded sums (not fused, as the scalar loop).</summary>
    private static void AddFolded(Vector<double> d, Vector<double> g, FoldedSums sums, int i)
    {
        (new Vector<double>(sums.Sum[i..]) + d).CopyTo(sums.Sum[i..]);
        (new Vector<double>(sums.Squares[i..]) + (d * d)).CopyTo(sums.Squares[i..]);
        (new Vector<double>(sums.SumDy[i..]) + g).CopyTo(sums.SumDy[i..]);
        (new Vector<double>(sums.SumDyShifted[i..]) + (g * d)).CopyTo(sums.SumDyShifted[i..]);
    }

    /// <summary>One vector's terms (d = x - shift, dy) into the four float32 sums from channel <paramref name="at"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddFoldedVector<TSums>(Vector<float> d, Vector<float> g, ref float sum, ref float squares, ref float sumDy, ref float sumDyShifted, nuint at)
        where TSums : struct, ISumSelection
    {
        if (TSums.Statistics)
        {
            (Vector.LoadUnsafe(ref sum, at) + d).StoreUnsafe(ref sum, at);
            Vector.FusedMultiplyAdd(d, d, Vector.LoadUnsafe(ref squares, at)).StoreUnsafe(ref squares, at);
        }

        (Vector.LoadUnsafe(ref sumDy, at) + g).StoreUnsafe(ref sumDy, at);
        Vector.FusedMultiplyAdd(g, d, Vector.LoadUnsafe(ref sumDyShifted, at)).StoreUnsafe(ref sumDyShifted, at);
    }

    /// <summary>One element's terms into the four float32 sums of channel <paramref name="i"/>.</summary>
    private static void AddFoldedScalar<TSums>(float d, float g, Span<float> s1, Span<float> s2, Span<float> sg, Span<float> sp, int i)
        where TSums : struct, ISumSelection
    {
        if (TSums.Statistics)
        {
            s1[i] += d;
            s2[i] = MathF.FusedMultiplyAdd(d, d, s2[i]);
        }

        sg[i] += g;
        sp[i] = MathF.FusedMultiplyAdd(g, d, sp[i]);
    }
}

/// <summary>Which of the four folded sums a block kernel of <see cref="FastGradientKernels"/> takes: a constant per type, so each instantiation keeps only its own arithmetic.</summary>
internal interface ISumSelection
{
    /// <summary>Whether Σ d and Σ d² (the statistics) are taken besides Σ dy and Σ dy · d.</summary>
    static abstract bool Statistics { get; }
}

/// <summary>All four sums: the backward pass with its statistics folded in.</summary>
internal readonly struct AllFourSums : ISumSelection
{
    public static bool Statistics => true;
}

/// <summary>Σ dy and Σ dy · d alone: the statistics are known.</summary>
internal readonly struct GradientSumsOnly : ISumSelection
{
    public static bool Statistics => false;
}
