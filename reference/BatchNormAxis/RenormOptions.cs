using System.Globalization;

namespace BatchNormAxis;

/// <summary>
/// Batch renormalization (Ioffe 2017, arXiv:1702.03275) as Keras 3 implements it since v3.14.0: Keras'
/// <c>renorm=True</c>, <c>renorm_clipping</c> and <c>renorm_momentum</c>. Present on <see cref="BatchNormOptions.Renorm"/>
/// means the layer renormalizes; <see langword="null"/> there means it does not.
/// </summary>
/// <remarks>
/// <para>In a training call on a trainable layer, with the batch statistics <c>mean</c>, <c>variance</c> and
/// <c>stddev = sqrt(variance + epsilon)</c>, and the renorm statistics from <em>before</em> the call,
/// <c>sigma = max(renorm_stddev, sqrt(epsilon))</c>:</para>
/// <list type="bullet">
/// <item><c>r = clip(stddev / sigma, rmin, rmax)</c>, <c>d = clip((mean - renorm_mean) / sigma, -dmax, dmax)</c>, treated as
/// constants by the gradient (Keras' <c>stop_gradient</c>);</item>
/// <item><c>y = (x - mean) / stddev * (r * gamma) + (d * gamma + beta)</c> (gamma 1 and beta 0 when absent);</item>
/// <item><c>renorm_mean</c> and <c>renorm_stddev</c> move towards <c>mean</c> and <c>stddev</c> with <see cref="Momentum"/>;
/// <c>moving_mean</c> and <c>moving_stddev</c> with the layer's momentum; then
/// <c>moving_variance = max(moving_stddev² - epsilon, 0)</c> (the moving variance passed in is not read).</item>
/// </list>
/// <para>Inference and frozen calls are exactly those of a layer without renorm; every statistic is left as it was.</para>
/// <para>Keras: <c>keras/src/layers/normalization/batch_normalization.py</c> at v3.15.1, <c>_renorm_correction_and_moments</c>
/// (lines 476-515), <c>_compose_transforms</c> (517-547), <c>_update_renorm_statistics</c> (549-586).</para>
/// </remarks>
public sealed record RenormOptions
{
    /// <summary>Weight of the old renorm statistic in their update, Keras convention. Default 0.99 (Keras' <c>renorm_momentum</c>).</summary>
    public double Momentum { get; init; } = 0.99;

    /// <summary>Lower clip of r, or <see langword="null"/> for none (Keras: a missing <c>"rmin"</c> key).</summary>
    public double? RMin { get; init; }

    /// <summary>Upper clip of r, or <see langword="null"/> for none (Keras: a missing <c>"rmax"</c> key).</summary>
    public double? RMax { get; init; }

    /// <summary>d is clipped to [-DMax, DMax], or not at all when <see langword="null"/> (Keras: a missing <c>"dmax"</c> key).</summary>
    public double? DMax { get; init; }

    /// <summary>Checks the values as Keras' constructor does, and that every value is a number.</summary>
    /// <exception cref="BatchNormArgumentException">
    /// The momentum is NaN or outside [0, 1]; a clip is NaN; rmax &lt; rmin; dmax &lt; 0
    /// (<see cref="BatchNormErrorCategory.InvalidHyperparameter"/>).
    /// </exception>
    public void Validate()
    {
        if (!(Momentum >= 0 && Momentum <= 1))
        {
            throw Invalid($"renorm_momentum={Text(Momentum)} is not usable: expected a number in [0, 1] (the weight of the old renorm statistic)");
        }

        foreach ((string name, double? value) in new[] { ("rmin", RMin), ("rmax", RMax), ("dmax", DMax) })
        {
            if (value is double v && double.IsNaN(v))
            {
                throw Invalid($"renorm_clipping {name}=NaN is not usable: expected a number");
            }
        }

        if (RMin is double rmin && RMax is double rmax && rmax < rmin)
        {
            throw Invalid($"renorm_clipping rmax={Text(rmax)} is below rmin={Text(rmin)}: expected rmax >= rmin");
        }

        if (DMax is double dmax && dmax < 0)
        {
            throw Invalid($"renorm_clipping dmax={Text(dmax)} is negative: expected dmax >= 0");
        }
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static BatchNormArgumentException Invalid(string message) =>
        new(BatchNormErrorCategory.InvalidHyperparameter, message);
}
