namespace BatchNormAxis;

/// <summary>
/// The kind of invalid input a <see cref="BatchNormArgumentException"/> reports. Categories are stable:
/// conformance fixtures name them to say which rejection a case expects.
/// </summary>
public enum BatchNormErrorCategory
{
    /// <summary>An axis lies outside <c>[-rank, rank)</c>.</summary>
    AxisOutOfRange,

    /// <summary>Two entries of an axis list name the same axis once negative indices are resolved (e.g. <c>[1, -3]</c> on rank 4).</summary>
    DuplicateAxis,

    /// <summary>An axis list is empty: there is no axis to keep.</summary>
    EmptyAxisList,

    /// <summary>The input has rank 0: a scalar has no axis to keep.</summary>
    RankZero,

    /// <summary>A dimension of the input shape is negative.</summary>
    NegativeDimension,

    /// <summary>A dimension of the input shape is 0; empty tensors are rejected (see the remarks on <see cref="AxisResolution"/>).</summary>
    ZeroSizedDimension,

    /// <summary>The input shape has more elements than a .NET array can hold (<see cref="Array.MaxLength"/>).</summary>
    ElementCountOverflow,

    /// <summary>A per-channel array (gamma, beta, moving mean or variance, or their gradients) has the wrong shape or length, or is given when <c>scale</c>/<c>center</c> is off.</summary>
    ParameterShapeMismatch,

    /// <summary>A mask whose shape is not the input shape without its last axis (Keras 3 requires rank - 1).</summary>
    MaskShapeMismatch,

    /// <summary>A full-size buffer (x, y, dy, dx) does not hold exactly one element per input element.</summary>
    BufferLengthMismatch,

    /// <summary>A destination overlaps an input other than the one it may replace in place.</summary>
    OverlappingBuffers,

    /// <summary>Momentum or epsilon is not a usable number (NaN, infinite, negative epsilon, momentum outside [0, 1]).</summary>
    InvalidHyperparameter,

    /// <summary>
    /// The input has more than <see cref="AxisResolution.MaxRank"/> (64) dimensions. Not a category fixtures name: the
    /// suite's inputs have rank 5 at most.
    /// </summary>
    RankTooLarge,
}
