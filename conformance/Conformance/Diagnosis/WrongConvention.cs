namespace BatchNormAxis.Conformance.Diagnosis;

/// <summary>
/// Known ways to get BatchNormalization(axis=...) wrong, each seen in a real framework or port; the framework or
/// issue is named on the member, and docs/porting.md and docs/numerical-pitfalls.md cite the sources.
/// </summary>
public enum WrongConvention
{
    /// <summary>Statistics over the kept axes: the axis read as the one to reduce, as in np.mean(axis=...).</summary>
    InvertedAxisMeaning,

    /// <summary>The moving variance fed n/(n-1) times the batch variance (PyTorch, tf.keras' fused path).</summary>
    UnbiasedMovingVariance,

    /// <summary>PyTorch's momentum: moving = (1 - m) * moving + m * batch.</summary>
    PyTorchMomentum,

    /// <summary>(x - mean) / (sqrt(variance) + epsilon): epsilon outside the square root.</summary>
    EpsilonOutsideRoot,

    /// <summary>Variance as E[x²] - E[x]² in one pass, which cancels catastrophically (Keras 3's NumPy and torch backends, unmasked).</summary>
    SinglePassVariance,

    /// <summary>Parameters and statistics indexed by flat index modulo C: the channel taken as the last axis (TF.js CPU, tensorflow/tfjs#1106).</summary>
    ChannelAsLastAxis,

    /// <summary>Each kept axis counted from the other end: axis a read as rank - 1 - a.</summary>
    AxisFromWrongEnd,

    /// <summary>gamma and beta swapped (weights loaded in the wrong order).</summary>
    GammaBetaSwapped,

    /// <summary>Moving mean and moving variance read swapped (pytorch2keras#120).</summary>
    MovingStatisticsSwapped,

    /// <summary>A frozen layer (trainable=false) still normalizes with batch statistics and updates (TF.js, tf.keras V1).</summary>
    FrozenIgnored,

    /// <summary>Training leaves the moving statistics as they were.</summary>
    MovingStatisticsNotUpdated,

    /// <summary>Momentum and epsilon rounded to float32 before use, also for float64 data (ONNX's float attributes).</summary>
    Float32Hyperparameters,

    /// <summary>float64 data computed in float32 and cast back (Keras 3.12+ on every backend but TensorFlow: <c>result_type</c> maps float64 to float32).</summary>
    Float64ComputedInFloat32,

    /// <summary>Batch statistics over another set of axes than Keras' (every axis, say); the axes are in the finding's explanation.</summary>
    WrongReductionAxes,

    /// <summary>The right moving statistics written back swapped: the new mean into moving_variance and the new variance into moving_mean.</summary>
    MovingStatisticsSwappedOnWrite,
}

/// <summary>The stable snake_case names reports use for <see cref="WrongConvention"/> values.</summary>
public static class WrongConventions
{
    /// <summary>The report name of a convention, e.g. <c>pytorch_momentum</c>.</summary>
    /// <param name="convention">The convention.</param>
    /// <returns>The name.</returns>
    public static string Name(WrongConvention convention) => convention switch
    {
        WrongConvention.InvertedAxisMeaning => "inverted_axis_meaning",
        WrongConvention.UnbiasedMovingVariance => "unbiased_moving_variance",
        WrongConvention.PyTorchMomentum => "pytorch_momentum",
        WrongConvention.EpsilonOutsideRoot => "epsilon_outside_root",
        WrongConvention.SinglePassVariance => "single_pass_variance",
        WrongConvention.ChannelAsLastAxis => "channel_as_last_axis",
        WrongConvention.AxisFromWrongEnd => "axis_from_wrong_end",
        WrongConvention.GammaBetaSwapped => "gamma_beta_swapped",
        WrongConvention.MovingStatisticsSwapped => "moving_statistics_swapped",
        WrongConvention.FrozenIgnored => "frozen_ignored",
        WrongConvention.MovingStatisticsNotUpdated => "moving_statistics_not_updated",
        WrongConvention.Float32Hyperparameters => "float32_hyperparameters",
        WrongConvention.Float64ComputedInFloat32 => "float64_computed_in_float32",
        WrongConvention.WrongReductionAxes => "wrong_reduction_axes",
        WrongConvention.MovingStatisticsSwappedOnWrite => "moving_statistics_swapped_on_write",
        _ => throw new ArgumentOutOfRangeException(nameof(convention), convention, "Unknown convention."),
    };
}
