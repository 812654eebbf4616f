using System.Globalization;

namespace BatchNormAxis;

/// <summary>
/// The hyperparameters of a Keras <c>BatchNormalization</c> layer, with Keras' defaults. The axis is not here:
/// it belongs to the <see cref="AxisResolution"/>, which ties it to a shape.
/// </summary>
public sealed record BatchNormOptions
{
    /// <summary>The Keras defaults: momentum 0.99, epsilon 1e-3, center and scale on, trainable.</summary>
    public static BatchNormOptions Default { get; } = new();

    /// <summary>
    /// Weight of the <em>old</em> moving statistic in the update, Keras convention:
    /// <c>moving = moving * momentum + batch * (1 - momentum)</c>. Default 0.99. PyTorch's momentum is <c>1 - this</c>.
    /// </summary>
    public double Momentum { get; init; } = 0.99;

    /// <summary>Added to the variance inside the square root: <c>sqrt(variance + epsilon)</c>. Default 1e-3 (PyTorch and ONNX use 1e-5).</summary>
    public double Epsilon { get; init; } = 1e-3;

    /// <summary>Whether the layer has an offset <c>beta</c> (Keras <c>center</c>). When off, beta is absent and acts as 0.</summary>
    public bool Center { get; init; } = true;

    /// <summary>Whether the layer has a scale <c>gamma</c> (Keras <c>scale</c>). When off, gamma is absent and acts as 1.</summary>
    public bool Scale { get; init; } = true;

    /// <summary>
    /// Keras <c>trainable</c>. A frozen layer (<see langword="false"/>) runs in inference mode even when called with
    /// <c>training=true</c>, and leaves its moving statistics untouched (Keras 3 and tf.keras 2).
    /// </summary>
    public bool Trainable { get; init; } = true;

    /// <summary>
    /// Batch renormalization (Keras <c>renorm=True</c> with its clipping and momentum), or <see langword="null"/> for none
    /// (the default). A renormalizing layer has three more per-channel statistics: see <see cref="BatchNormWeights{T}"/>.
    /// </summary>
    public RenormOptions? Renorm { get; init; }

    /// <summary>Checks that momentum and epsilon are usable numbers.</summary>
    /// <exception cref="BatchNormArgumentException">Momentum is NaN or outside [0, 1], epsilon is NaN, infinite or negative, or <see cref="Renorm"/> is unusable (<see cref="BatchNormErrorCategory.InvalidHyperparameter"/>).</exception>
    public void Validate()
    {
        if (!(Momentum >= 0 && Momentum <= 1))
        {
            throw new BatchNormArgumentException(
                BatchNormErrorCategory.InvalidHyperparameter,
                $"momentum={Momentum.ToString("R", CultureInfo.InvariantCulture)} is not usable: expected a number in [0, 1] (the weight of the old moving statistic, Keras convention)");
        }

        if (!(Epsilon >= 0 && double.IsFinite(Epsilon)))
        {
            throw new BatchNormArgumentException(
                BatchNormErrorCategory.InvalidHyperparameter,
                $"epsilon={Epsilon.ToString("R", CultureInfo.InvariantCulture)} is not usable: expected a finite number >= 0");
        }

        Renorm?.Validate();
    }
}
