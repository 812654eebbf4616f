using System.Numerics;
using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// One group of eight rows of the wide path's statistics (<see cref="FastKernels.AccumulateRowGroups"/>) added as a
/// tree: with d_j = x_j - shift, sum += ((d0 + d1) + (d2 + d3)) + ((d4 + d5) + (d6 + d7)) and squares +=
/// ((d0² + d1²) + (d2² + d3²)) + ((d4² + d5²) + (d6² + d7²)), each pair d² + d² as one fused multiply-add of the first
/// onto the product of the second. The vector loop and the scalar loop do exactly these operations in this order, so
/// each channel gets the same bits from either. A last group of fewer rows adds its terms one by one, in row order.
/// </summary>
internal static class RowGroupTree
{
    /// <summary>Rows in a group the tree takes: the loops below are written out for eight (<see cref="FastTuning.RowsPerGroup"/>'s value; a group of any other size adds its terms one by one).</summary>
    public const int Rows = 8;

    /// <summary>
    /// A group of <paramref name="groupRows"/> rows from <paramref name="x"/>, channels 0 to the last whole vector,
    /// added into <paramref name="sum"/> and <paramref name="squares"/>: as the tree for <see cref="Rows"/> rows,
    /// term by term in row order for fewer. Returns the first channel left (0 without vectors).
    /// </summary>
    public static int AccumulateVectors(ReadOnlySpan<float> x, int rowStride, int groupRows, int width, ReadOnlySpan<float> shift, Span<float> sum, Span<float> squares)
    {
        int i = 0;
        if (!Vector.IsHardwareAccelerated)
        {
            return i;
        }

        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float kRef = ref MemoryMarshal.GetReference(shift);
        ref float sRef = ref MemoryMarshal.GetReference(sum);
        ref float qRef = ref MemoryMarshal.GetReference(squares);
        nuint stride = (nuint)rowStride;
        if (groupRows != Rows)
        {
            for (; i <= width - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> k = Vector.LoadUnsafe(ref kRef, (nuint)i);
                Vector<float> s = Vector.LoadUnsafe(ref sRef, (nuint)i);
                Vector<float> q = Vector.LoadUnsafe(ref qRef, (nuint)i);
                nuint at = (nuint)i;
                for (int j = 0; j < groupRows; j++, at += stride)
                {
                    Vector<float> d = Vector.LoadUnsafe(ref xRef, at) - k;
                    s += d;
                    q = Vector.FusedMultiplyAdd(d, d, q);
                }

                s.StoreUnsafe(ref sRef, (nuint)i);
                q.StoreUnsafe(ref qRef, (nuint)i);
            }

            return i;
        }

        for (; i <= width - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector<float> k = Vector.LoadUnsafe(ref kRef, (nuint)i);
            nuint at = (nuint)i;
            Vector<float> d0 = Vector.LoadUnsafe(ref xRef, at) - k;
            Vector<float> d1 = Vector.LoadUnsafe(ref xRef, at + stride) - k;
            Vector<float> d2 = Vector.LoadUnsafe(ref xRef, at + (2 * stride)) - k;
            Vector<float> d3 = Vector.LoadUnsafe(ref xRef, at + (3 * stride)) - k;
            Vector<float> d4 = Vector.LoadUnsafe(ref xRef, at + (4 * stride)) - k;
            Vector<float> d5 = Vector.LoadUnsafe(ref xRef, at + (5 * stride)) - k;
            Vector<float> d6 = Vector.LoadUnsafe(ref xRef, at + (6 * stride)) - k;
            Vector<float> d7 = Vector.LoadUnsafe(ref xRef, at + (7 * stride)) - k;
            Vector<float> terms = ((d0 + d1) + (d2 + d3)) + ((d4 + d5) + (d6 + d7));
            Vector<float> squaredTerms = (Vector.FusedMultiplyAdd(d0, d0, d1 * d1) + Vector.FusedMultiplyAdd(d2, d2, d3 * d3))
                + (Vector.FusedMultiplyAdd(d4, d4, d5 * d5) + Vector.FusedMultiplyAdd(d6, d6, d7 * d7));
            (Vector.LoadUnsafe(ref sRef, (nuint)i) + terms).StoreUnsafe(ref sRef, (nuint)i);
            (Vector.LoadUnsafe(ref qRef, (nuint)i) + squaredTerms).StoreUnsafe(ref qRef, (nuint)i);
        }

        return i;
    }

    /// <summary>Channel <paramref name="i"/> of the group, as one lane of <see cref="AccumulateVectors"/>.</summary>
    public static void AccumulateOne(ReadOnlySpan<float> x, int rowStride, int groupRows, int i, float shift, ref float sum, ref float squares)
    {
        if (groupRows != Rows)
        {
            for (int j = 0; j < groupRows; j++)
            {
                float d = x[(j * rowStride) + i] - shift;
                sum += d;
                squares = MathF.FusedMultiplyAdd(d, d, squares);
            }

            return;
        }

        float d0 = x[i] - shift;
        float d1 = x[rowStride + i] - shift;
        float d2 = x[(2 * rowStride) + i] - shift;
        float d3 = x[(3 * rowStride) + i] - shift;
        float d4 = x[(4 * rowStride) + i] - shift;
        float d5 = x[(5 * rowStride) + i] - shift;
        float d6 = x[(6 * rowStride) + i] - shift;
        float d7 = x[(7 * rowStride) + i] - shift;
        float terms = ((d0 + d1) + (d2 + d3)) + ((d4 + d5) + (d6 + d7));
        float squaredTerms = (MathF.FusedMultiplyAdd(d0, d0, d1 * d1) + MathF.FusedMultiplyAdd(d2, d2, d3 * d3))
            + (MathF.FusedMultiplyAdd(d4, d4, d5 * d5) + MathF.FusedMultiplyAdd(d6, d6, d7 * d7));
        sum += terms;
        squares += squaredTerms;
    }
}
