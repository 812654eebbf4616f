using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// Overloads of <see cref="IBatchNormalization"/> for System.Numerics.Tensors' <see cref="ReadOnlyTensorSpan{T}"/>
/// and <see cref="TensorSpan{T}"/>: the tensors' lengths must equal the layout's shape, and any strides are accepted
/// (views, transposes, broadcasts). Row-major contiguous tensors are used in place; others are gathered into, or
/// scattered from, pooled row-major buffers. Per-channel arrays stay flat spans of <c>ChannelCount</c> values.
/// </summary>
public static class BatchNormTensorSpanExtensions
{
    /// <summary>
    /// <see cref="IBatchNormalization.Forward{T}"/> on tensor spans: y and the moving statistics after the call.
    /// </summary>
    /// <exception cref="BatchNormArgumentException">A tensor's lengths differ from the layout's shape, or any check of the span overload fails.</exception>
    public static void Forward<T>(
        this IBatchNormalization implementation,
        AxisResolution layout,
        BatchNormOptions options,
        bool training,
        in ReadOnlyTensorSpan<T> x,
        BatchNormWeights<T> weights,
        in TensorSpan<T> y,
        Span<T> movingMean,
        Span<T> movingVariance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(implementation);
        ArgumentNullException.ThrowIfNull(layout);
        RequireShape("x", x.Lengths, layout);
        RequireShape("y", y.Lengths, layout);
        T[]? gathered = null;
        T[]? unscattered = null;
        try
        {
            ReadOnlySpan<T> flatX = RowMajor(x, ref gathered);
            Span<T> flatY = RowMajor(y, ref unscattered);
            implementation.Forward(layout, options, training, flatX, weights, new ForwardDestinations<T>(flatY, movingMean, movingVariance));
            if (unscattered is not null)
            {
                new ReadOnlyTensorSpan<T>(unscattered.AsSpan(0, layout.ElementCount), y.Lengths).CopyTo(y);
            }
        }
        finally
        {
            Return(gathered);
            Return(unscattered);
        }
    }

    /// <summary><see cref="IBatchNormalization.Backward{T}"/> on tensor spans: dx, dgamma and dbeta.</summary>
    /// <exception cref="BatchNormArgumentException">A tensor's lengths differ from the layout's shape, or any check of the span overload fails.</exception>
    public static void Backward<T>(
        this IBatchNormalization implementation,
        AxisResolution layout,
        BatchNormOptions options,
        bool training,
        in ReadOnlyTensorSpan<T> x,
        in ReadOnlyTensorSpan<T> dy,
        BatchNormWeights<T> weights,
        in TensorSpan<T> dx,
        Span<T> dgamma,
        Span<T> dbeta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(implementation);
        ArgumentNullException.ThrowIfNull(layout);
        RequireShape("x", x.Lengths, layout);
        RequireShape("dy", dy.Lengths, layout);
        RequireShape("dx", dx.Lengths, layout);
        T[]? gatheredX = null;
        T[]? gatheredDy = null;
        T[]? unscattered = null;
        try
        {
            ReadOnlySpan<T> flatX = RowMajor(x, ref gatheredX);
            ReadOnlySpan<T> flatDy = RowMajor(dy, ref gatheredDy);
            Span<T> flatDx = RowMajor(dx, ref unscattered);
            implementation.Backward(layout, options, training, flatX, flatDy, weights, new BackwardDestinations<T>(flatDx, dgamma, dbeta));
            if (unscattered is not null)
            {
                new ReadOnlyTensorSpan<T>(unscattered.AsSpan(0, layout.ElementCount), dx.Lengths).CopyTo(dx);
            }
        }
        finally
        {
            Return(gatheredX);
            Return(gatheredDy);
            Return(unscattered);
        }
    }

    private static void RequireShape(string name, ReadOnlySpan<nint> lengths, AxisResolution layout)
    {
        bool same = lengths.Length == layout.Rank;
        for (int i = 0; same && i < lengths.Length; i++)
        {
            same = lengths[i] == layout.Shape[i];
        }

        if (!same)
        {
            throw new BatchNormArgumentException(
                BatchNormErrorCategory.BufferLengthMismatch,
                $"{name} has {Describe(lengths)}, expected the layout's shape {ShapeText.Tuple(layout.Shape.AsSpan())}");
        }
    }

    /// <summary>"shape (2, 3)", or only the rank of a tensor of more than <see cref="AxisResolution.MaxRank"/> dimensions.</summary>
    private static string Describe(ReadOnlySpan<nint> lengths) =>
        lengths.Length > AxisResolution.MaxRank
            ? $"rank {lengths.Length} (at most {AxisResolution.MaxRank} is supported)"
            : $"shape ({string.Join(", ", lengths.ToArray())})";

    /// <summary>The tensor's elements in row-major order: in place when its strides are row-major, else gathered.</summary>
    private static ReadOnlySpan<T> RowMajor<T>(in ReadOnlyTensorSpan<T> tensor, ref T[]? gathered)
    {
        int length = checked((int)tensor.FlattenedLength);
        if (IsRowMajor(tensor.Lengths, tensor.Strides))
        {
            return MemoryMarshal.CreateReadOnlySpan(in tensor.GetPinnableReference(), length);
        }

        gathered = ArrayPool<T>.Shared.Rent(length);
        Span<T> destination = gathered.AsSpan(0, length);
        tensor.FlattenTo(destination);
        return destination;
    }

    /// <summary>Where to write the tensor's elements in row-major order: in place, or a buffer scattered afterwards.</summary>
    private static Span<T> RowMajor<T>(in TensorSpan<T> tensor, ref T[]? unscattered)
    {
        int length = checked((int)tensor.FlattenedLength);
        if (IsRowMajor(tensor.Lengths, tensor.Strides))
        {
            return MemoryMarshal.CreateSpan(ref tensor.GetPinnableReference(), length);
        }

        unscattered = ArrayPool<T>.Shared.Rent(length);
        return unscattered.AsSpan(0, length);
    }

    /// <summary>True when each axis' stride is the product of the lengths after it (axes of length 1 may have any).</summary>
    private static bool IsRowMajor(ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides)
    {
        nint expected = 1;
        for (int axis = lengths.Length - 1; axis >= 0; axis--)
        {
            if (lengths[axis] != 1 && strides[axis] != expected)
            {
                return false;
            }

            expected *= lengths[axis];
        }

        return true;
    }

    private static void Return<T>(T[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<T>.Shared.Return(rented);
        }
    }
}
