using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// The inner loops of <see cref="FastBatchNorm"/>. Statistics are shifted sums: each channel's values minus a shift
/// (one of its own values) are summed with their squares in one pass; the shift removes any large offset, so the
/// variance S2/N - (S1/N)² does not cancel. float32 values are summed in float32 lanes over short blocks (at most
/// <see cref="FastTuning.RowsPerBlock"/> values per lane) and the blocks in double, so the order of summation
/// matters little at float32 precision; float64 values are summed in double.
/// </summary>
/// <remarks>
/// <para>Vectors are <see cref="Vector{T}"/>, whose width is the machine's: 256 bits with AVX2, 128 bits with SSE
/// or ARM64 AdvSimd (<see cref="VectorBits"/>). Every remainder, and every loop on hardware without vectors, takes the
/// scalar loop.</para>
/// <para>Summation order: sums across rows (every channels-last kernel) add each channel's values in one lane, in
/// row order (the wide path's groups of eight rows as a tree, <see cref="RowGroupTree"/>, which the scalar loop
/// follows too), so they give the same bits at any vector width and in the scalar loop. Sums along one channel's run
/// (<see cref="AccumulateOneChannel{T}"/>, channels-first) keep one partial sum per lane and add the lanes at the
/// end, so their order depends on the vector width: always the same on one machine (so results stay bit-identical
/// for every thread count), possibly different in the last bits between machines of different widths.</para>
/// </remarks>
internal static unsafe class FastKernels
{
    /// <summary>The width of the vectors the kernels use, in bits; 0 when the hardware has none and every loop is scalar.</summary>
    public static int VectorBits => Vector.IsHardwareAccelerated ? Vector<byte>.Count * 8 : 0;

    /// <summary>
    /// A row of consecutive channels: sum[i] += x[i] - shift[i], squares[i] += (x[i] - shift[i])². The row is
    /// prefetched ahead (float64 axis=-1 training, side by side on the Zen 3: 0.93 to 0.95 of the time on one thread,
    /// 0.98 on two).
    /// </summary>
    public static void AccumulateChannels<T>(ReadOnlySpan<T> row, ReadOnlySpan<double> shift, Span<double> sum, Span<double> squares)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        SoftwarePrefetch.Ahead(ref MemoryMarshal.GetReference(row), row.Length); // the rows after it follow in memory
        ref double kRef = ref MemoryMarshal.GetReference(shift);
        ref double sRef = ref MemoryMarshal.GetReference(sum);
        ref double qRef = ref MemoryMarshal.GetReference(squares);
        if (Vector.IsHardwareAccelerated && typeof(T) == typeof(float))
        {
            ref float xRef = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(row));
            for (; i <= row.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                // The low and high halves of the float vector become two double vectors, each with its channels' shifts.
                Vector.Widen(Vector.LoadUnsafe(ref xRef, (nuint)i), out Vector<double> low, out Vector<double> high);
                AddShifted(low, ref kRef, ref sRef, ref qRef, (nuint)i);
                AddShifted(high, ref kRef, ref sRef, ref qRef, (nuint)(i + Vector<double>.Count));
            }
        }
        else if (Vector.IsHardwareAccelerated && typeof(T) == typeof(double))
        {
            ref double xRef = ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(row));
            for (; i <= row.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                AddShifted(Vector.LoadUnsafe(ref xRef, (nuint)i), ref kRef, ref sRef, ref qRef, (nuint)i);
            }
        }

        for (; i < row.Length; i++)
        {
            double d = double.CreateTruncating(row[i]) - shift[i];
            sum[i] += d;
            squares[i] += d * d;
        }
    }

    /// <summary>
    /// Several float32 rows of the same consecutive channels, at <paramref name="rowStride"/> floats apart:
    /// sum[c] += Σ (x - shift[c]), squares[c] += Σ (x - shift[c])². The rows are accumulated in float32 lanes (at
    /// most <see cref="FastTuning.RowsPerBlock"/> values per lane, of values already shifted near zero) held in
    /// <paramref name="sumScratch"/> and <paramref name="squaresScratch"/> (in L1), then added once into the double
    /// sums. For blocks whose rows lie far apart in memory (the wide-columns path), read
    /// <see cref="FastTuning.RowsPerGroup"/> rows at a time, each from start to end: two vectors of channels down
    /// every row would walk one memory stream per row (32 on axis=[1, 2, 3]), more than the hardware prefetchers
    /// follow, and one row at a time loads and stores the float32 sums for every value.
    /// </summary>
    /// <remarks>
    /// Order of summation, per channel (the same in every lane and in the scalar loop, so the same bits at any vector
    /// width): a whole group's eight terms are added as a tree, ((d0 + d1) + (d2 + d3)) + ((d4 + d5) + (d6 + d7)) (and
    /// the squares alike, in pairs d0² + d1² with one rounding each), and that into the running sum; a last group of
    /// fewer rows adds its terms one by one. Added one by one, each group put a chain of eight dependent additions
    /// (and eight fused multiply-adds) on every vector of channels, and the chains, not memory, set the pace: the
    /// tree made axis=[1, 2, 3] training take 0.83 of the time and backward 0.92 (Zen 5, side by side; docs/performance.md).
    /// These sums are therefore not the bits of the row-by-row kernel (<see cref="AccumulateRowBlock"/>) for the same
    /// rows; both are within the same float32 error bound of a block of at most 64 terms.
    /// </remarks>
    public static void AccumulateRowGroups(ReadOnlySpan<float> x, int rowStride, int rows, ReadOnlySpan<float> shift, Span<float> sumScratch, Span<float> squaresScratch, Span<double> sum, Span<double> squares)
    {
        int width = shift.Length;
        Span<float> blockSum = sumScratch[..width];
        Span<float> blockSquares = squaresScratch[..width];
        blockSum.Clear();
        blockSquares.Clear();
        for (int r = 0; r < rows; r += FastTuning.RowsPerGroup)
        {
            int groupRows = Math.Min(FastTuning.RowsPerGroup, rows - r);
            ReadOnlySpan<float> group = x[(r * rowStride)..];
            int i = RowGroupTree.AccumulateVectors(group, rowStride, groupRows, width, shift, blockSum, blockSquares);
            for (; i < width; i++)
            {
                RowGroupTree.AccumulateOne(group, rowStride, groupRows, i, shift[i], ref blockSum[i], ref blockSquares[i]);
            }
        }

        AddWidened(blockSum, sum);
        AddWidened(blockSquares, squares);
    }

    /// <summary>
    /// The same sums as <see cref="AccumulateRowGroups"/>, in the same order for each channel, but row by row:
    /// each row is read from start to end, with the block's float32 sums in <paramref name="sumScratch"/> and
    /// <paramref name="squaresScratch"/> (as long as the row) between rows. Reading long rows one after another
    /// keeps the hardware prefetchers on a single stream, where two vectors of channels over all the rows would
    /// walk as many streams as there are rows. With <paramref name="rowFlags"/> (a mask of one flag per row), a row
    /// whose flag is false adds exact zeros: its differences are masked to zero, not branched around, so a random
    /// mask costs no mispredicted branches and a NaN in a masked-out row changes nothing. A block of whole rows
    /// (one run of memory, which the next block continues) is prefetched ahead (<see cref="SoftwarePrefetch"/>):
    /// measured on axis=-1's statistics alone, side by side on the Zen 3, 0.79 to 0.82 of the time.
    /// </summary>
    /// <remarks>Compiled without a profile, as <see cref="ScaleShiftRows{T}"/> is, and for the same reason.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateRowBlock(
        ReadOnlySpan<float> x, int rowStride, int rows, ReadOnlySpan<float> shift, Span<float> sumScratch, Span<float> squaresScratch, Span<double> sum, Span<double> squares, ReadOnlySpan<bool> rowFlags = default)
    {
        int width = shift.Length;
        Span<float> blockSum = sumScratch[..width];
        Span<float> blockSquares = squaresScratch[..width];
        if (rowStride == width && NarrowRows.Fits(width))
        {
            // At most 64 channels with 512-bit vectors: the sums stay in registers (the same bits).
            NarrowRows.Accumulate(in MemoryMarshal.GetReference(x), rows, width, in MemoryMarshal.GetReference(shift), ref MemoryMarshal.GetReference(blockSum), ref MemoryMarshal.GetReference(blockSquares), rowFlags);
            AddWidened(blockSum, sum);
            AddWidened(blockSquares, squares);
            return;
        }

        blockSum.Clear();
        blockSquares.Clear();
        ref float kRef = ref MemoryMarshal.GetReference(shift);
        ref float sRef = ref MemoryMarshal.GetReference(blockSum);
        ref float qRef = ref MemoryMarshal.GetReference(blockSquares);
        bool prefetch = rowStride == width; // one run, which the next block continues; else the walk's next reads are not ahead in the row
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = x.Slice(r * rowStride, width);
            ref float xRef = ref MemoryMarshal.GetReference(row);
            int flag = rowFlags.IsEmpty ? 1 : Unsafe.BitCast<bool, byte>(rowFlags[r]);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var keep = Vector.AsVectorSingle(new Vector<int>(-flag)); // all ones or all zeros
                if (prefetch)
                {
                    SoftwarePrefetch.Ahead(ref xRef, width);
                }

                for (; i <= width - Vector<float>.Count; i += Vector<float>.Count)
                {
                    Vector<float> d = (Vector.LoadUnsafe(ref xRef, (nuint)i) - Vector.LoadUnsafe(ref kRef, (nuint)i)) & keep;
                    (Vector.LoadUnsafe(ref sRef, (nuint)i) + d).StoreUnsafe(ref sRef, (nuint)i);
                    Vector.FusedMultiplyAdd(d, d, Vector.LoadUnsafe(ref qRef, (nuint)i)).StoreUnsafe(ref qRef, (nuint)i);
                }
            }

            for (; i < width && flag != 0; i++)
            {
                float d = row[i] - shift[i];
                blockSum[i] += d;
                blockSquares[i] = MathF.FusedMultiplyAdd(d, d, blockSquares[i]);
            }
        }

        AddWidened(blockSum, sum);
        AddWidened(blockSquares, squares);
    }

    /// <summary>destination[i] += values[i] in double (exact widening, so the same bits as the scalar loop).</summary>
    public static void AddWidened(ReadOnlySpan<float> values, Span<double> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref float vRef = ref MemoryMarshal.GetReference(values);
            ref double dRef = ref MemoryMarshal.GetReference(destination);
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref vRef, (nuint)i), out Vector<double> low, out Vector<double> high);
                (Vector.LoadUnsafe(ref dRef, (nuint)i) + low).StoreUnsafe(ref dRef, (nuint)i);
                (Vector.LoadUnsafe(ref dRef, (nuint)(i + Vector<double>.Count)) + high).StoreUnsafe(ref dRef, (nuint)(i + Vector<double>.Count));
            }
        }

        for (; i < values.Length; i++)
        {
            destination[i] += values[i];
        }
    }

    /// <summary>
    /// A run of one channel's elements: returns the sum of x - shift and of its squares; float32 runs go to the
    /// float32-lane overload. The run is prefetched ahead (float64 axis=1 training, side by side on the Zen 3: 0.93 to
    /// 0.95 of the time on one thread, 1.01 on two).
    /// </summary>
    public static (double Sum, double Squares) AccumulateOneChannel<T>(ReadOnlySpan<T> row, double shift)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return AccumulateOneChannel(MemoryMarshal.Cast<T, float>(row), (float)shift);
        }

        double sum = 0;
        double squares = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && typeof(T) == typeof(double) && row.Length >= 2 * Vector<double>.Count)
        {
            // Two double vectors per step.
            int step = 2 * Vector<double>.Count;
            var k = new Vector<double>(shift);
            Vector<double> sum0 = Vector<double>.Zero, sum1 = Vector<double>.Zero;
            Vector<double> squares0 = Vector<double>.Zero, squares1 = Vector<double>.Zero;
            for (; i <= row.Length - step; i += step)
            {
                SoftwarePrefetch.At(ref MemoryMarshal.GetReference(row), (nuint)i);
                (Vector<double> low, Vector<double> high) = LoadWide(row, i);
                Vector<double> d0 = low - k;
                Vector<double> d1 = high - k;
                sum0 += d0;
                sum1 += d1;
                squares0 += d0 * d0;
                squares1 += d1 * d1;
            }

            sum = Vector.Sum(sum0 + sum1);
            squares = Vector.Sum(squares0 + squares1);
        }

        for (; i < row.Length; i++)
        {
            double d = double.CreateTruncating(row[i]) - shift;
            sum += d;
            squares += d * d;
        }

        return (sum, squares);
    }

    /// <summary>
    /// <see cref="AccumulateOneChannel{T}"/> for float32 with a float32 <paramref name="shift"/> (a value of the
    /// channel, so exact): the differences and their squares are summed in float32 lanes, four vectors at a time, and
    /// each lane's sums are added into double after <see cref="FastTuning.RowsPerBlock"/> values, as the channels-last
    /// kernels do (<see cref="AccumulateRowBlock"/>), and the run is prefetched ahead (<see cref="SoftwarePrefetch"/>).
    /// Measured side by side on axis=1 and axis=0 statistics (Zen 3): the float32 lanes alone made no difference and
    /// the double loop with the same prefetch took 1.2 to 1.9 times as long; together they took the pass from 1.4 to
    /// 1.15 times the time of a plain read of x.
    /// </summary>
    public static (double Sum, double Squares) AccumulateOneChannel(ReadOnlySpan<float> row, float shift)
    {
        double sum = 0;
        double squares = 0;
        int i = 0;
        int step = 4 * Vector<float>.Count;
        if (Vector.IsHardwareAccelerated && row.Length >= step)
        {
            ref float xRef = ref MemoryMarshal.GetReference(row);
            var k = new Vector<float>(shift);
            Vector<double> totalSum = Vector<double>.Zero;
            Vector<double> totalSquares = Vector<double>.Zero;
            while (i <= row.Length - step)
            {
                int blockEnd = LaneBlockEnd(i, row.Length, step);
                Vector<float> s0 = Vector<float>.Zero, s1 = Vector<float>.Zero, s2 = Vector<float>.Zero, s3 = Vector<float>.Zero;
                Vector<float> q0 = Vector<float>.Zero, q1 = Vector<float>.Zero, q2 = Vector<float>.Zero, q3 = Vector<float>.Zero;
                for (; i < blockEnd; i += step)
                {
                    SoftwarePrefetch.Ahead(ref Unsafe.Add(ref xRef, i), step);
                    Vector<float> d0 = Vector.LoadUnsafe(ref xRef, (nuint)i) - k;
                    Vector<float> d1 = Vector.LoadUnsafe(ref xRef, (nuint)(i + Vector<float>.Count)) - k;
                    Vector<float> d2 = Vector.LoadUnsafe(ref xRef, (nuint)(i + (2 * Vector<float>.Count))) - k;
                    Vector<float> d3 = Vector.LoadUnsafe(ref xRef, (nuint)(i + (3 * Vector<float>.Count))) - k;
                    s0 += d0;
                    s1 += d1;
                    s2 += d2;
                    s3 += d3;
                    q0 = Vector.FusedMultiplyAdd(d0, d0, q0);
                    q1 = Vector.FusedMultiplyAdd(d1, d1, q1);
                    q2 = Vector.FusedMultiplyAdd(d2, d2, q2);
                    q3 = Vector.FusedMultiplyAdd(d3, d3, q3);
                }

                totalSum += Widened(s0) + Widened(s1) + Widened(s2) + Widened(s3);
                totalSquares += Widened(q0) + Widened(q1) + Widened(q2) + Widened(q3);
            }

            sum = Vector.Sum(totalSum);
            squares = Vector.Sum(totalSquares);
        }

        for (; i < row.Length; i++)
        {
            double d = row[i] - shift; // float32, as the lanes
            sum += d;
            squares += d * d;
        }

        return (sum, squares);
    }

    /// <summary>
    /// Where a block of a float32-lane run that starts at <paramref name="start"/> ends: after at most
    /// <see cref="FastTuning.RowsPerBlock"/> steps of <paramref name="step"/> elements (so as many values per lane),
    /// and only whole steps of the run's <paramref name="length"/>.
    /// </summary>
    public static int LaneBlockEnd(int start, int length, int step) => start + (Math.Min(FastTuning.RowsPerBlock, (length - start) / step) * step);

    /// <summary>A float vector's lanes in double, its two halves added (exact widening; one double rounding).</summary>
    public static Vector<double> Widened(Vector<float> values)
    {
        Vector.Widen(values, out Vector<double> low, out Vector<double> high);
        return low + high;
    }

    /// <summary>
    /// y = x * scale + shift, fused, over consecutive whole rows of <paramref name="period"/> channels read as one
    /// run (channels-last): element k belongs to channel k mod period. <paramref name="scale"/> and
    /// <paramref name="shift"/> hold period + <see cref="Vector{T}.Count"/> values, the first ones repeated
    /// (<see cref="RepeatChannels{T}"/>), so a vector that crosses into the next row loads its channels in one piece.
    /// One long run instead of many short rows lets streaming stores start aligned once and fill whole lines. With
    /// period = the run's length it is one row of consecutive channels (no repeat needed: no vector crosses the end).
    /// </summary>
    /// <remarks>
    /// Compiled fully optimized at its first call, without a profile: where <see cref="NarrowRows"/> takes the rows,
    /// this method returns before its loop, and tiered PGO, given such a layout's profile, compiled the loop with its
    /// registers spilled for every layout that runs it later (axis=[1, 2, 3] training after axis=-1: 1.7 times as
    /// long; docs/performance.md).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleShiftRows<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift, int period, Span<T> y, bool streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && NarrowRows.FitsRun(period, x.Length))
        {
            // At most 64 channels with 512-bit vectors, over a long run: scale and shift stay in registers (the same bits).
            NarrowRows.ScaleShift(
                MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(scale), MemoryMarshal.Cast<T, float>(shift), period, MemoryMarshal.Cast<T, float>(y), streaming);
            return;
        }

        int i = 0;
        int c = 0;
        if (Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            ref T xRef = ref MemoryMarshal.GetReference(x);
            ref T sRef = ref MemoryMarshal.GetReference(scale);
            ref T bRef = ref MemoryMarshal.GetReference(shift);
            ref T yRef = ref MemoryMarshal.GetReference(y);
            i = streaming ? StreamingStores.Head(ref yRef, x.Length) : 0;
            c = ScaleShiftRowsScalar(x, scale, shift, period, y, 0, i, c);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> value = FusedMultiplyAdd(Vector.LoadUnsafe(ref xRef, (nuint)i), Vector.LoadUnsafe(ref sRef, (nuint)c), Vector.LoadUnsafe(ref bRef, (nuint)c));
                StreamingStores.Store(value, ref yRef, (nuint)i, streaming);
                c += Vector<T>.Count;
                while (c >= period)
                {
                    c -= period;
                }
            }
        }

        ScaleShiftRowsScalar(x, scale, shift, period, y, i, x.Length, c);
    }

    /// <summary>
    /// y = x * scale + shift, fused, over <paramref name="rows"/> rows of the same consecutive channels (as many as
    /// <paramref name="scale"/> holds), <paramref name="rowStride"/> elements apart, two rows at a time: each vector of
    /// scale and shift is read from memory once for both rows of a pair. For rows so wide that their scale and shift do
    /// not stay in L2 (axis=[1, 2, 3]: 1.6 MB), which every row would otherwise read again from L3. The second row of a
    /// pair runs <see cref="PairLag{T}"/> elements behind the first: its scale and shift come from L1, where the first
    /// row's loads left them, and rows a multiple of 4 KB long (axis=[1, 2, 3]'s 200704 floats) no longer load and
    /// store at addresses equal in their low 12 bits, which the core takes for a possible overlap and stalls on. Each
    /// pair is one pointer loop in a method of its own, its first and last elements (up to the vectors' alignment) in
    /// a scalar loop, as <see cref="FastGradientKernels.GradientRowPairs{T}"/>. With <paramref name="streaming"/> and
    /// rows whose outputs are not all at the same alignment, or too short for a pair, the rows go one by one; so does
    /// an odd last row.
    /// </summary>
    public static void ScaleShiftRowPairs<T>(T* x, T* y, int rowStride, int rows, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift, bool streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int length = scale.Length;
        int lag = PairLag<T>();
        int head = streaming ? StreamingStores.Head(ref *y, length) : 0; // the same in every row, when pairs are taken
        int body = (length - head) / Vector<T>.Count * Vector<T>.Count;
        bool sameAlignment = !streaming || (long)rowStride * sizeof(T) % Vector<byte>.Count == 0;
        int r = 0;
        if (Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && sameAlignment && body >= 2 * lag)
        {
            fixed (T* pScale = scale, pShift = shift)
            {
                for (; r + 1 < rows; r += 2)
                {
                    long at = (long)r * rowStride;
                    ScaleShiftPairScalar(x + at, y + at, rowStride, pScale, pShift, 0, head);
                    ScaleShiftPairVectors(x + at + head, y + at + head, rowStride, pScale + head, pShift + head, body, lag, streaming);
                    ScaleShiftPairScalar(x + at, y + at, rowStride, pScale, pShift, head + body, length);
                }
            }
        }

        for (; r < rows; r++)
        {
            long at = (long)r * rowStride;
            ScaleShiftRows(new ReadOnlySpan<T>(x + at, length), scale, shift, length, new Span<T>(y + at, length), streaming);
        }
    }

    /// <summary>
    /// The first <paramref name="count"/> elements (a whole number of vectors, at least two lags) of a pair of rows,
    /// the second <paramref name="lag"/> elements behind the first: the first row's first lag alone, then both, then
    /// the second row's last lag alone.
    /// </summary>
    private static void ScaleShiftPairVectors<T>(T* x0, T* y0, int rowStride, T* scale, T* shift, int count, int lag, bool streaming)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* x1 = x0 + rowStride, y1 = y0 + rowStride;
        int i = 0;
        for (; i < lag; i += Vector<T>.Count)
        {
            StreamingStores.Store(FusedMultiplyAdd(Vector.Load(x0 + i), Vector.Load(scale + i), Vector.Load(shift + i)), ref *y0, (nuint)i, streaming);
        }

        for (; i < count; i += Vector<T>.Count)
        {
            int j = i - lag;
            StreamingStores.Store(FusedMultiplyAdd(Vector.Load(x0 + i), Vector.Load(scale + i), Vector.Load(shift + i)), ref *y0, (nuint)i, streaming);
            StreamingStores.Store(FusedMultiplyAdd(Vector.Load(x1 + j), Vector.Load(scale + j), Vector.Load(shift + j)), ref *y1, (nuint)j, streaming);
        }

        for (int j = count - lag; j < count; j += Vector<T>.Count)
        {
            StreamingStores.Store(FusedMultiplyAdd(Vector.Load(x1 + j), Vector.Load(scale + j), Vector.Load(shift + j)), ref *y1, (nuint)j, streaming);
        }
    }

    /// <summary>Elements <paramref name="from"/> to <paramref name="to"/> of both rows of a pair, one at a time.</summary>
    private static void ScaleShiftPairScalar<T>(T* x, T* y, int rowStride, T* scale, T* shift, int from, int to)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < 2; row++, x += rowStride, y += rowStride)
        {
            for (int i = from; i < to; i++)
            {
                y[i] = T.FusedMultiplyAdd(x[i], scale[i], shift[i]);
            }
        }
    }

    /// <summary>
    /// How many elements the second row of a row pair runs behind the first (<see cref="ScaleShiftRowPairs{T}"/>):
    /// 256 bytes, a whole number of vectors. Measured on axis=[1, 2, 3] inference (rows 784 KB long, 4 KB-aligned to
    /// each other), side by side: 0.59 to 0.63 of the time of rows in step on 1 thread, 0.72 on 2.
    /// </summary>
    public static int PairLag<T>()
        where T : unmanaged => FastTuning.PairLagBytes / Unsafe.SizeOf<T>();

    /// <summary>Elements <paramref name="from"/> to <paramref name="to"/> of <see cref="ScaleShiftRows{T}"/>, from channel <paramref name="c"/>; returns the next channel.</summary>
    private static int ScaleShiftRowsScalar<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift, int period, Span<T> y, int from, int to, int c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = from; i < to; i++)
        {
            y[i] = T.FusedMultiplyAdd(x[i], scale[c], shift[c]);
            c = c + 1 == period ? 0 : c + 1;
        }

        return c;
    }

    /// <summary>Fills <paramref name="values"/> past its first <paramref name="period"/> with those values repeated in order.</summary>
    public static void RepeatChannels<T>(Span<T> values, int period)
    {
        for (int i = period; i < values.Length; i++)
        {
            values[i] = values[i - period];
        }
    }

    /// <summary>y = x * scale + shift, fused, with one scale and shift (a run of one channel's elements).</summary>
    public static void ScaleShift<T>(ReadOnlySpan<T> x, T scale, T shift, Span<T> y, bool streaming = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            ref T xRef = ref MemoryMarshal.GetReference(x);
            ref T yRef = ref MemoryMarshal.GetReference(y);
            for (int head = streaming ? StreamingStores.Head(ref yRef, x.Length) : 0; i < head; i++)
            {
                y[i] = T.FusedMultiplyAdd(x[i], scale, shift);
            }

            var s = new Vector<T>(scale);
            var b = new Vector<T>(shift);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                StreamingStores.Store(FusedMultiplyAdd(Vector.LoadUnsafe(ref xRef, (nuint)i), s, b), ref yRef, (nuint)i, streaming);
            }
        }

        for (; i < x.Length; i++)
        {
            y[i] = T.FusedMultiplyAdd(x[i], scale, shift);
        }
    }

    /// <summary>a · b + c rounded once, for the two vector element types (the JIT keeps only the taken branch).</summary>
    public static Vector<T> FusedMultiplyAdd<T>(Vector<T> a, Vector<T> b, Vector<T> c)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        }

        return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
    }

    /// <summary>Two double vectors from element <paramref name="i"/>: a float vector widened, or two double vectors.</summary>
    public static (Vector<double> Low, Vector<double> High) LoadWide<T>(ReadOnlySpan<T> values, int i)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Vector.Widen(Vector.LoadUnsafe(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(values)), (nuint)i), out Vector<double> low, out Vector<double> high);
            return (low, high);
        }

        ref double start = ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(values));
        return (Vector.LoadUnsafe(ref start, (nuint)i), Vector.LoadUnsafe(ref start, (nuint)(i + Vector<double>.Count)));
    }

    /// <summary>d = x - shift[i]; sum[i] += d; squares[i] += d · d (not fused, as the scalar loop), for one double vector.</summary>
    private static void AddShifted(Vector<double> x, ref double shift, ref double sum, ref double squares, nuint i)
    {
        Vector<double> d = x - Vector.LoadUnsafe(ref shift, i);
        (Vector.LoadUnsafe(ref sum, i) + d).StoreUnsafe(ref sum, i);
        (Vector.LoadUnsafe(ref squares, i) + (d * d)).StoreUnsafe(ref squares, i);
    }
}
