using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// The inner loops of masked statistics (<see cref="MaskedStatisticsJob{T}"/>, <see cref="MaskedChannelsLastStatisticsJob"/>).
/// A segment's flag becomes a bit mask on its differences, so a masked-out segment is read but adds exact zeros
/// (a NaN or infinity there included, as in Keras) and the loops do not branch on the mask: a random mask would
/// mispredict about a third of the branches (70 % kept: axis=0 training took 1.77 times the unmasked time with a
/// branch per flag, 1.32 times without).
/// </summary>
internal static class MaskedKernels
{
    /// <summary>
    /// A run of one channel's elements cut into segments of <paramref name="segment"/> values, one flag each: the sum of
    /// x - shift and of its squares over the kept segments, and how many values they hold. One set of vector
    /// lanes runs across all the segments (as <see cref="FastKernels.AccumulateOneChannel{T}"/> runs along a row), so
    /// a short last axis costs no reduction per segment.
    /// </summary>
    public static (double Sum, double Squares, int Count) AccumulateOneChannel<T>(ReadOnlySpan<T> row, double shift, ReadOnlySpan<bool> flags, int segment)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int step = 2 * Vector<double>.Count;
        bool vectors = Vector.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && segment >= step;
        var k = new Vector<double>(shift);
        Vector<double> sum0 = Vector<double>.Zero, sum1 = Vector<double>.Zero;
        Vector<double> squares0 = Vector<double>.Zero, squares1 = Vector<double>.Zero;
        double sum = 0;
        double squares = 0;
        int count = 0;
        for (int s = 0; s < flags.Length; s++)
        {
            int flag = Unsafe.BitCast<bool, byte>(flags[s]);
            count += segment & -flag;
            ReadOnlySpan<T> values = row.Slice(s * segment, segment);
            int i = 0;
            if (vectors)
            {
                var keep = Vector.AsVectorDouble(new Vector<long>(-flag)); // all ones or all zeros
                for (; i <= segment - step; i += step)
                {
                    (Vector<double> low, Vector<double> high) = FastKernels.LoadWide(values, i);
                    Vector<double> d0 = (low - k) & keep;
                    Vector<double> d1 = (high - k) & keep;
                    sum0 += d0;
                    sum1 += d1;
                    squares0 += d0 * d0;
                    squares1 += d1 * d1;
                }
            }

            for (; i < segment && flag != 0; i++)
            {
                double d = double.CreateTruncating(values[i]) - shift;
                sum += d;
                squares += d * d;
            }
        }

        return vectors ? (sum + Vector.Sum(sum0 + sum1), squares + Vector.Sum(squares0 + squares1), count) : (sum, squares, count);
    }

    /// <summary>
    /// <see cref="FastKernels.AccumulateRowBlock"/> over the kept segments: rows of the same consecutive channels,
    /// from column <paramref name="firstColumn"/>, <paramref name="rowStride"/> floats apart (a whole row of
    /// <paramref name="flags"/>.Length / rows segments each), and each channel's count of kept values.
    /// </summary>
    public static void AccumulateRowBlock(
        ReadOnlySpan<float> x, int rowStride, int rows, int firstColumn, ReadOnlySpan<bool> flags, int segment, ReadOnlySpan<float> shift, RowBlockScratch scratch, Span<double> sum, Span<double> squares, Span<double> counts)
    {
        int segmentsPerRow = rowStride / segment;
        if (segmentsPerRow == 1)
        {
            // One flag per row (axis=-1): the unmasked kernel with row flags, and one count for the block.
            FastKernels.AccumulateRowBlock(x, rowStride, rows, shift, scratch.Sum, scratch.Squares, sum, squares, flags[..rows]);
            TensorPrimitives.Add(counts, flags[..rows].Count(true), counts);
            return;
        }

        int width = shift.Length;
        Span<float> blockSum = scratch.Sum[..width];
        Span<float> blockSquares = scratch.Squares[..width];
        Span<float> blockCounts = scratch.Counts[..width];
        blockSum.Clear();
        blockSquares.Clear();
        blockCounts.Clear();

        // Every row cuts the block's columns at the same places: the first piece ends at firstEnd, the others every segment.
        int firstSegment = firstColumn / segment;
        int firstEnd = Math.Min(width, ((firstSegment + 1) * segment) - firstColumn);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = x.Slice(r * rowStride, width);
            ReadOnlySpan<bool> rowFlags = flags.Slice(r * segmentsPerRow, segmentsPerRow);
            for ((int start, int end, int s) = (0, firstEnd, firstSegment); start < width; (start, end, s) = (end, Math.Min(width, end + segment), s + 1))
            {
                AddPiece(row[start..end], shift[start..end], blockSum[start..end], blockSquares[start..end], blockCounts[start..end], rowFlags[s]);
            }
        }

        FastKernels.AddWidened(blockSum, sum);
        FastKernels.AddWidened(blockSquares, squares);
        FastKernels.AddWidened(blockCounts, counts);
    }

    /// <summary>
    /// The same sums and counts as <see cref="AccumulateRowBlock"/>, in the same order for each channel (so the same
    /// bits), <see cref="FastTuning.RowsPerGroup"/> rows at a time as <see cref="FastKernels.AccumulateRowGroups"/>
    /// reads them (the wide-columns path). Each vector of channels must lie within one segment of the mask:
    /// <paramref name="firstColumn"/> and <paramref name="segment"/> multiples of the vector width
    /// (<see cref="FitsRowGroups"/>).
    /// </summary>
    public static void AccumulateRowGroups(
        ReadOnlySpan<float> x, int rowStride, int rows, int firstColumn, ReadOnlySpan<bool> flags, int segment, ReadOnlySpan<float> shift, RowBlockScratch scratch, Span<double> sum, Span<double> squares, Span<double> counts)
    {
        int segmentsPerRow = rowStride / segment;
        int width = shift.Length;
        Span<float> blockSum = scratch.Sum[..width];
        Span<float> blockSquares = scratch.Squares[..width];
        Span<float> blockCounts = scratch.Counts[..width];
        blockSum.Clear();
        blockSquares.Clear();
        blockCounts.Clear();
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float kRef = ref MemoryMarshal.GetReference(shift);
        ref float sRef = ref MemoryMarshal.GetReference(blockSum);
        ref float qRef = ref MemoryMarshal.GetReference(blockSquares);
        ref float nRef = ref MemoryMarshal.GetReference(blockCounts);
        ref byte fRef = ref Unsafe.As<bool, byte>(ref MemoryMarshal.GetReference(flags));
        for (int r = 0; r < rows; r += FastTuning.RowsPerGroup)
        {
            int groupRows = Math.Min(FastTuning.RowsPerGroup, rows - r);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; i <= width - Vector<float>.Count; i += Vector<float>.Count)
                {
                    Vector<float> k = Vector.LoadUnsafe(ref kRef, (nuint)i);
                    Vector<float> s = Vector.LoadUnsafe(ref sRef, (nuint)i);
                    Vector<float> q = Vector.LoadUnsafe(ref qRef, (nuint)i);
                    Vector<float> n = Vector.LoadUnsafe(ref nRef, (nuint)i);
                    nuint offset = (nuint)((r * rowStride) + i);
                    nuint flag = (nuint)((r * segmentsPerRow) + ((firstColumn + i) / segment));
                    for (int j = 0; j < groupRows; j++, offset += (nuint)rowStride, flag += (nuint)segmentsPerRow)
                    {
                        var keep = Vector.AsVectorSingle(new Vector<int>(-Unsafe.Add(ref fRef, flag))); // all ones or all zeros
                        Vector<float> d = (Vector.LoadUnsafe(ref xRef, offset) - k) & keep;
                        s += d;
                        q = Vector.FusedMultiplyAdd(d, d, q);
                        n += Vector<float>.One & keep;
                    }

                    s.StoreUnsafe(ref sRef, (nuint)i);
                    q.StoreUnsafe(ref qRef, (nuint)i);
                    n.StoreUnsafe(ref nRef, (nuint)i);
                }
            }

            for (; i < width; i++)
            {
                for (int j = r; j < r + groupRows; j++)
                {
                    if (flags[(j * segmentsPerRow) + ((firstColumn + i) / segment)])
                    {
                        float d = x[(j * rowStride) + i] - shift[i];
                        blockSum[i] += d;
                        blockSquares[i] = MathF.FusedMultiplyAdd(d, d, blockSquares[i]);
                        blockCounts[i] += 1;
                    }
                }
            }
        }

        FastKernels.AddWidened(blockSum, sum);
        FastKernels.AddWidened(blockSquares, squares);
        FastKernels.AddWidened(blockCounts, counts);
    }

    /// <summary>Whether <see cref="AccumulateRowGroups"/> takes a block from <paramref name="firstColumn"/> with segments of <paramref name="segment"/>.</summary>
    public static bool FitsRowGroups(int firstColumn, int segment) =>
        !Vector.IsHardwareAccelerated || (firstColumn % Vector<float>.Count == 0 && segment % Vector<float>.Count == 0);

    /// <summary>
    /// If <paramref name="kept"/>: sum += x - shift, squares += (x - shift)² (fused, as AccumulateRowBlock) and
    /// counts += 1, in float32; else the same additions of zeros.
    /// </summary>
    private static void AddPiece(ReadOnlySpan<float> x, ReadOnlySpan<float> shift, Span<float> sum, Span<float> squares, Span<float> counts, bool kept)
    {
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float kRef = ref MemoryMarshal.GetReference(shift);
        ref float sRef = ref MemoryMarshal.GetReference(sum);
        ref float qRef = ref MemoryMarshal.GetReference(squares);
        ref float nRef = ref MemoryMarshal.GetReference(counts);
        int flag = Unsafe.BitCast<bool, byte>(kept);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var keep = Vector.AsVectorSingle(new Vector<int>(-flag)); // all ones or all zeros
            Vector<float> one = Vector<float>.One & keep;
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> d = (Vector.LoadUnsafe(ref xRef, (nuint)i) - Vector.LoadUnsafe(ref kRef, (nuint)i)) & keep;
                (Vector.LoadUnsafe(ref sRef, (nuint)i) + d).StoreUnsafe(ref sRef, (nuint)i);
                Vector.FusedMultiplyAdd(d, d, Vector.LoadUnsafe(ref qRef, (nuint)i)).StoreUnsafe(ref qRef, (nuint)i);
                (Vector.LoadUnsafe(ref nRef, (nuint)i) + one).StoreUnsafe(ref nRef, (nuint)i);
            }
        }

        for (; i < x.Length && flag != 0; i++)
        {
            float d = x[i] - shift[i];
            sum[i] += d;
            squares[i] = MathF.FusedMultiplyAdd(d, d, squares[i]);
            counts[i] += 1;
        }
    }
}

/// <summary>The float32 scratch of one block of <see cref="MaskedKernels.AccumulateRowBlock"/>, as long as its rows.</summary>
internal readonly ref struct RowBlockScratch(Span<float> sum, Span<float> squares, Span<float> counts)
{
    public Span<float> Sum { get; } = sum;

    public Span<float> Squares { get; } = squares;

    public Span<float> Counts { get; } = counts;
}
