namespace BatchNormAxis;

/// <summary>
/// The layer's per-channel arrays, in Keras' weight order (gamma, beta, moving mean, moving variance, then for a
/// renormalizing layer moving stddev, renorm mean, renorm stddev). Each holds <see cref="AxisResolution.ChannelCount"/>
/// values in row-major order over the kept axes, which is the order of both the compact and the broadcast parameter shape.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
/// <param name="gamma">The scale; must be empty when <see cref="BatchNormOptions.Scale"/> is off.</param>
/// <param name="beta">The offset; must be empty when <see cref="BatchNormOptions.Center"/> is off.</param>
/// <param name="movingMean">The moving mean, used in inference and updated in training.</param>
/// <param name="movingVariance">The moving variance, used in inference and updated in training.</param>
/// <param name="movingStddev">Renorm only (empty otherwise): the tracked moving standard deviation the moving variance is derived from.</param>
/// <param name="renormMean">Renorm only (empty otherwise): the mean d is measured against.</param>
/// <param name="renormStddev">Renorm only (empty otherwise): the standard deviation r and d divide by.</param>
public readonly ref struct BatchNormWeights<T>(
    ReadOnlySpan<T> gamma,
    ReadOnlySpan<T> beta,
    ReadOnlySpan<T> movingMean,
    ReadOnlySpan<T> movingVariance,
    ReadOnlySpan<T> movingStddev = default,
    ReadOnlySpan<T> renormMean = default,
    ReadOnlySpan<T> renormStddev = default)
{
    /// <summary>The scale; empty when the layer has none.</summary>
    public ReadOnlySpan<T> Gamma { get; } = gamma;

    /// <summary>The offset; empty when the layer has none.</summary>
    public ReadOnlySpan<T> Beta { get; } = beta;

    /// <summary>The moving mean.</summary>
    public ReadOnlySpan<T> MovingMean { get; } = movingMean;

    /// <summary>The moving variance.</summary>
    public ReadOnlySpan<T> MovingVariance { get; } = movingVariance;

    /// <summary>Keras' <c>moving_stddev</c>; empty unless the layer renormalizes.</summary>
    public ReadOnlySpan<T> MovingStddev { get; } = movingStddev;

    /// <summary>Keras' <c>renorm_mean</c>; empty unless the layer renormalizes.</summary>
    public ReadOnlySpan<T> RenormMean { get; } = renormMean;

    /// <summary>Keras' <c>renorm_stddev</c>; empty unless the layer renormalizes.</summary>
    public ReadOnlySpan<T> RenormStddev { get; } = renormStddev;
}
