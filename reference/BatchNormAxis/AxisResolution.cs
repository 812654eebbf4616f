using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;

namespace BatchNormAxis;

/// <summary>
/// What an <c>axis</c> spelling means for one input shape: which axes are kept (one statistic per position
/// along them), which are reduced (statistics are taken over them), the shape of the per-channel parameters,
/// and how many elements each statistic averages.
/// </summary>
/// <remarks>
/// <para>Keras' <c>axis</c> names the axes that are <b>kept</b>. <c>np.mean(x, axis=...)</c> and
/// <c>tf.nn.moments(x, axes=...)</c> name the axes that are <b>reduced</b>: <see cref="ReductionAxes"/> is the
/// spelling those APIs need.</para>
/// <para>Zero-sized dimensions are rejected. A training step over zero elements divides 0 by 0, and
/// frameworks disagree on what follows (NumPy and TensorFlow return NaN statistics, PyTorch returns an empty
/// output and skips the moving update), so the reference refuses rather than pick one silently.</para>
/// <para>The element count must fit a .NET array (<see cref="Array.MaxLength"/>), since every buffer is a flat
/// row-major span.</para>
/// <para>The rank must be at most <see cref="MaxRank"/>; it is checked first, so a hostile rank costs nothing.</para>
/// </remarks>
public sealed class AxisResolution
{
    private AxisResolution(
        ImmutableArray<int> shape,
        AxisSpec axis,
        ImmutableArray<int> keptAxes,
        ImmutableArray<int> reductionAxes,
        int elementCount)
    {
        Shape = shape;
        Axis = axis;
        KeptAxes = keptAxes;
        ReductionAxes = reductionAxes;
        ElementCount = elementCount;

        // The compact parameter shape lists the kept dimensions in axis order; the broadcast shape is the
        // input shape with every reduced dimension replaced by 1 (tf.keras' weight shape for a list axis).
        ParameterShape = [.. keptAxes.Select(a => shape[a])];
        BroadcastShape = [.. shape.Select((dimension, a) => keptAxes.Contains(a) ? dimension : 1)];
        ChannelCount = Product(ParameterShape);
        ReductionCount = Product([.. reductionAxes.Select(a => shape[a])]);
    }

    /// <summary>The input shape, outermost dimension first (row-major).</summary>
    public ImmutableArray<int> Shape { get; }

    /// <summary>The rank of the input, the number of dimensions in <see cref="Shape"/>.</summary>
    public int Rank => Shape.Length;

    /// <summary>The axis argument as the user spelled it.</summary>
    public AxisSpec Axis { get; }

    /// <summary>The kept axes, resolved to non-negative indices and sorted ascending.</summary>
    public ImmutableArray<int> KeptAxes { get; }

    /// <summary>The reduced axes, sorted ascending: every axis not in <see cref="KeptAxes"/>. Empty when every axis is kept.</summary>
    public ImmutableArray<int> ReductionAxes { get; }

    /// <summary>The compact parameter shape: the kept dimensions in axis order, e.g. <c>(C,)</c> for one kept axis.</summary>
    public ImmutableArray<int> ParameterShape { get; }

    /// <summary>The broadcast parameter shape: full rank with 1 on every reduced axis, e.g. <c>(1, H, W, C)</c>. tf.keras uses it for the weights of a multi-axis layer.</summary>
    public ImmutableArray<int> BroadcastShape { get; }

    /// <summary>The shape Keras gives the layer's weights: <see cref="ParameterShape"/> when one axis is kept, <see cref="BroadcastShape"/> when several are (tf.keras list axis).</summary>
    public ImmutableArray<int> KerasWeightShape => KeptAxes.Length == 1 ? ParameterShape : BroadcastShape;

    /// <summary>The number of channels: one per position along the kept axes, the product of <see cref="ParameterShape"/>.</summary>
    public int ChannelCount { get; }

    /// <summary>The number of elements each channel's statistics are taken over, the product of the reduced dimensions (1 when nothing is reduced).</summary>
    public int ReductionCount { get; }

    /// <summary>The number of elements of the input, <see cref="ChannelCount"/> times <see cref="ReductionCount"/>.</summary>
    public int ElementCount { get; }

    /// <summary>
    /// The largest rank accepted: NumPy 2's limit (<c>NPY_MAXDIMS</c> = 64), far beyond any layer's input, and small
    /// enough that per-axis scratch can live on the stack.
    /// </summary>
    public const int MaxRank = 64;

    /// <summary>Resolves an axis spelling against an input shape.</summary>
    /// <param name="shape">The input shape, row-major.</param>
    /// <param name="axis">The axis argument as spelled.</param>
    /// <returns>The kept and reduced axes and the derived shapes and counts.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="axis"/> is null.</exception>
    /// <exception cref="BatchNormArgumentException">
    /// The shape has rank 0 (<see cref="BatchNormErrorCategory.RankZero"/>), a rank above <see cref="MaxRank"/>
    /// (<see cref="BatchNormErrorCategory.RankTooLarge"/>, checked before any work that grows with the rank) or a negative dimension
    /// (<see cref="BatchNormErrorCategory.NegativeDimension"/>); the axis list is empty
    /// (<see cref="BatchNormErrorCategory.EmptyAxisList"/>); an axis is outside <c>[-rank, rank)</c>
    /// (<see cref="BatchNormErrorCategory.AxisOutOfRange"/>); two axes coincide once resolved
    /// (<see cref="BatchNormErrorCategory.DuplicateAxis"/>); a dimension is 0
    /// (<see cref="BatchNormErrorCategory.ZeroSizedDimension"/>); or the element count exceeds
    /// <see cref="Array.MaxLength"/> (<see cref="BatchNormErrorCategory.ElementCountOverflow"/>).
    /// </exception>
    public static AxisResolution Resolve(ReadOnlySpan<int> shape, AxisSpec axis)
    {
        ArgumentNullException.ThrowIfNull(axis);
        int rank = shape.Length;
        if (rank == 0)
        {
            throw new BatchNormArgumentException(
                BatchNormErrorCategory.RankZero,
                $"axis={axis} cannot apply to input shape (): rank 0 has no axis to keep; expected an input of rank 1 or more");
        }

        // First, before anything that grows with the rank: a hostile rank of millions must be refused at once.
        if (rank > MaxRank)
        {
            throw new BatchNormArgumentException(
                BatchNormErrorCategory.RankTooLarge,
                $"input shape has rank {rank} (axis={axis}): expected at most {MaxRank} dimensions (AxisResolution.MaxRank, NumPy's limit)");
        }

        string shapeText = ShapeText.Tuple(shape);

        for (int a = 0; a < rank; a++)
        {
            if (shape[a] < 0)
            {
                throw new BatchNormArgumentException(
                    BatchNormErrorCategory.NegativeDimension,
                    $"input shape {shapeText} has dimension {shape[a]} at axis {a}: expected every dimension to be 1 or more (axis={axis})");
            }
        }

        if (axis.Values.IsEmpty)
        {
            throw new BatchNormArgumentException(
                BatchNormErrorCategory.EmptyAxisList,
                $"axis=[] keeps no axis of input shape {shapeText} (resolves to []): expected at least one axis");
        }

        // Python indexing: a negative axis counts from the end, so -1 is the last axis.
        int[] resolved = new int[axis.Values.Length];
        for (int i = 0; i < resolved.Length; i++)
        {
            int given = axis.Values[i];
            resolved[i] = given < 0 ? given + rank : given;
            if (resolved[i] < 0 || resolved[i] >= rank)
            {
                // Name the value once: an integer axis is its own entry; of a list, say which entry.
                string outOfRange = axis.IsList ? $"axis={axis} has {given}, which is" : $"axis={axis} is";
                throw new BatchNormArgumentException(
                    BatchNormErrorCategory.AxisOutOfRange,
                    $"{outOfRange} out of range for input shape {shapeText}: expected an axis in [{-rank}, {rank - 1}]");
            }
        }

        // One pass with a flag per axis, so an axis list of millions of entries stays linear.
        Span<bool> named = stackalloc bool[MaxRank]; // bounded: rank <= MaxRank was checked above
        foreach (int resolvedAxis in resolved)
        {
            if (named[resolvedAxis])
            {
                throw new BatchNormArgumentException(
                    BatchNormErrorCategory.DuplicateAxis,
                    $"axis={axis} names axis {resolvedAxis} twice for input shape {shapeText} (resolves to {ShapeText.List(resolved)}): expected distinct axes");
            }

            named[resolvedAxis] = true;
        }

        ImmutableArray<int> keptAxes = [.. resolved.Order()];
        string resolvedContext = $"axis={axis} resolves to {ShapeText.List(keptAxes.AsSpan())}";

        for (int a = 0; a < rank; a++)
        {
            if (shape[a] == 0)
            {
                throw new BatchNormArgumentException(
                    BatchNormErrorCategory.ZeroSizedDimension,
                    $"input shape {shapeText} has a zero-sized dimension at axis {a} ({resolvedContext}): expected every dimension to be 1 or more; empty tensors are rejected");
            }
        }

        BigInteger elementCount = BigInteger.One;
        foreach (int dimension in shape)
        {
            elementCount *= dimension;
        }

        if (elementCount > Array.MaxLength)
        {
            throw new BatchNormArgumentException(
                BatchNormErrorCategory.ElementCountOverflow,
                $"input shape {shapeText} has {elementCount.ToString(CultureInfo.InvariantCulture)} elements ({resolvedContext}): expected at most {Array.MaxLength.ToString(CultureInfo.InvariantCulture)}, the largest .NET array");
        }

        ImmutableArray<int> reductionAxes = [.. Enumerable.Range(0, rank).Where(a => !keptAxes.Contains(a))];
        return new AxisResolution([.. shape], axis, keptAxes, reductionAxes, (int)elementCount);
    }

    /// <summary>Resolves an axis spelling against an input shape.</summary>
    /// <param name="shape">The input shape, row-major.</param>
    /// <param name="axis">The axis argument as spelled.</param>
    /// <returns>The kept and reduced axes and the derived shapes and counts.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> or <paramref name="axis"/> is null.</exception>
    /// <exception cref="BatchNormArgumentException">See <see cref="Resolve(ReadOnlySpan{int}, AxisSpec)"/>.</exception>
    public static AxisResolution Resolve(int[] shape, AxisSpec axis)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return Resolve(shape.AsSpan(), axis);
    }

    /// <summary>
    /// Checks the shape of a per-channel array (gamma, beta, a moving statistic) given with a shape: the compact
    /// <see cref="ParameterShape"/> and the full-rank <see cref="BroadcastShape"/> are both accepted, since they
    /// hold the same values in the same row-major order.
    /// </summary>
    /// <param name="name">The parameter's name for the message, e.g. <c>gamma</c>.</param>
    /// <param name="shape">The shape the parameter was given with.</param>
    /// <exception cref="BatchNormArgumentException">The shape is neither form (<see cref="BatchNormErrorCategory.ParameterShapeMismatch"/>).</exception>
    public void ValidateParameterShape(string name, ReadOnlySpan<int> shape)
    {
        if (shape.SequenceEqual(ParameterShape.AsSpan()) || shape.SequenceEqual(BroadcastShape.AsSpan()))
        {
            return;
        }

        throw new BatchNormArgumentException(
            BatchNormErrorCategory.ParameterShapeMismatch,
            $"{name} has shape {ShapeText.Tuple(shape)} but {Context}: expected shape {ShapeText.Tuple(ParameterShape.AsSpan())} or {ShapeText.Tuple(BroadcastShape.AsSpan())}");
    }

    /// <summary>
    /// The channel of every element, in row-major element order: the row-major position of the element's
    /// coordinates along the kept axes. Channel <c>c</c> of every per-channel array belongs to these elements.
    /// </summary>
    /// <returns>One channel index per element.</returns>
    public int[] ChannelOfEachElement()
    {
        // Stride of each axis in the flat input, and the channel-index weight of each kept axis.
        int[] elementStride = new int[Rank];
        int[] channelWeight = new int[Rank];
        int stride = 1;
        for (int axis = Rank - 1; axis >= 0; axis--)
        {
            elementStride[axis] = stride;
            stride *= Shape[axis];
        }

        int weight = 1;
        for (int k = KeptAxes.Length - 1; k >= 0; k--)
        {
            channelWeight[KeptAxes[k]] = weight;
            weight *= Shape[KeptAxes[k]];
        }

        int[] channelOf = new int[ElementCount];
        for (int element = 0; element < ElementCount; element++)
        {
            int channel = 0;
            foreach (int axis in KeptAxes)
            {
                channel += (element / elementStride[axis] % Shape[axis]) * channelWeight[axis];
            }

            channelOf[element] = channel;
        }

        return channelOf;
    }

    /// <summary>
    /// Checks the shape of a Keras 3 mask: the input shape without its last axis (the mask applies to every feature
    /// of a position, as in Keras 3, which expands it on the last axis).
    /// </summary>
    /// <param name="shape">The mask's shape.</param>
    /// <exception cref="BatchNormArgumentException">The shape is not the input shape minus its last axis (<see cref="BatchNormErrorCategory.MaskShapeMismatch"/>).</exception>
    public void ValidateMaskShape(ReadOnlySpan<int> shape)
    {
        ReadOnlySpan<int> expected = Shape.AsSpan(0, Rank - 1);
        if (shape.SequenceEqual(expected))
        {
            return;
        }

        throw new BatchNormArgumentException(
            BatchNormErrorCategory.MaskShapeMismatch,
            $"mask has shape {ShapeText.Tuple(shape)} (rank {shape.Length}) but input shape {ShapeText.Tuple(Shape.AsSpan())} has rank {Rank}: expected shape {ShapeText.Tuple(expected)}, one less dimension than the input (axis={Axis})");
    }

    /// <summary>"axis=1 on input shape (2, 4, 5) resolves to [1]": the context every argument message names.</summary>
    internal string Context =>
        $"axis={Axis} on input shape {ShapeText.Tuple(Shape.AsSpan())} resolves to {ShapeText.List(KeptAxes.AsSpan())}";

    private static int Product(ImmutableArray<int> dimensions)
    {
        int product = 1;
        foreach (int dimension in dimensions)
        {
            product *= dimension;
        }

        return product;
    }
}
