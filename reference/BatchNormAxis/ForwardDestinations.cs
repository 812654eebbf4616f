namespace BatchNormAxis;

/// <summary>
/// Where a forward call writes its results. <see cref="Y"/> has one element per input element; the others one
/// per channel. A destination may be the very same memory as the input it replaces (<c>y</c> over <c>x</c>,
/// the new moving statistics over the old ones), for an in-place update; any other overlap is rejected.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
/// <param name="y">The normalized output.</param>
/// <param name="movingMean">The moving mean after the call: updated when training, a copy of the old one otherwise.</param>
/// <param name="movingVariance">The moving variance after the call: updated when training, a copy of the old one otherwise.</param>
/// <param name="mean">Optional (empty to skip): the mean the call normalized with, the batch mean when training, the moving mean otherwise.</param>
/// <param name="variance">Optional (empty to skip): the variance the call normalized with, the biased batch variance when training, the moving variance otherwise.</param>
/// <param name="movingStddev">Renorm only (empty otherwise, required then): Keras' <c>moving_stddev</c> after the call.</param>
/// <param name="renormMean">Renorm only (empty otherwise, required then): Keras' <c>renorm_mean</c> after the call.</param>
/// <param name="renormStddev">Renorm only (empty otherwise, required then): Keras' <c>renorm_stddev</c> after the call.</param>
public readonly ref struct ForwardDestinations<T>(
    Span<T> y,
    Span<T> movingMean,
    Span<T> movingVariance,
    Span<T> mean = default,
    Span<T> variance = default,
    Span<T> movingStddev = default,
    Span<T> renormMean = default,
    Span<T> renormStddev = default)
{
    /// <summary>The normalized output, same shape as the input.</summary>
    public Span<T> Y { get; } = y;

    /// <summary>The moving mean after the call.</summary>
    public Span<T> MovingMean { get; } = movingMean;

    /// <summary>The moving variance after the call.</summary>
    public Span<T> MovingVariance { get; } = movingVariance;

    /// <summary>The mean used to normalize, or empty if not wanted.</summary>
    public Span<T> Mean { get; } = mean;

    /// <summary>The variance used to normalize, or empty if not wanted.</summary>
    public Span<T> Variance { get; } = variance;

    /// <summary>The moving stddev after the call; empty unless the layer renormalizes.</summary>
    public Span<T> MovingStddev { get; } = movingStddev;

    /// <summary>The renorm mean after the call; empty unless the layer renormalizes.</summary>
    public Span<T> RenormMean { get; } = renormMean;

    /// <summary>The renorm stddev after the call; empty unless the layer renormalizes.</summary>
    public Span<T> RenormStddev { get; } = renormStddev;
}
