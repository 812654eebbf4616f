namespace BatchNormAxis;

public sealed partial class ScalarBatchNorm
{
    /// <summary>
    /// Batch renormalization's corrections of one training call, per channel (Keras' <c>_renorm_correction_and_moments</c>,
    /// <c>keras/src/layers/normalization/batch_normalization.py</c> lines 476-515 at v3.15.1). They compare this batch with
    /// the renorm statistics from <em>before</em> the call: <c>r = stddev / sigma</c>, <c>d = (mean - renorm_mean) / sigma</c>,
    /// with <c>sigma = max(renorm_stddev, sqrt(epsilon))</c>, then clipped.
    /// </summary>
    /// <param name="renorm">The clipping.</param>
    /// <param name="epsilon">The layer's epsilon.</param>
    /// <param name="mean">The batch mean.</param>
    /// <param name="standardDeviation">The batch <c>sqrt(variance + epsilon)</c>.</param>
    /// <param name="renormMean">The renorm mean before the call.</param>
    /// <param name="renormStddev">The renorm standard deviation before the call.</param>
    private static (double[] R, double[] D) ComputeRenormCorrections(
        RenormOptions renorm,
        double epsilon,
        double[] mean,
        double[] standardDeviation,
        double[] renormMean,
        double[] renormStddev)
    {
        int channels = mean.Length;
        double[] r = new double[channels];
        double[] d = new double[channels];
        for (int channel = 0; channel < channels; channel++)
        {
            // Early in training renorm_stddev is near 0 (its initializer is 1, but nothing stops it shrinking):
            // the floor keeps r and d finite. It only applies here; the stored renorm_stddev is not floored.
            double sigma = Math.Max(renormStddev[channel], Math.Sqrt(epsilon));

            // Keras clips with maximum then minimum, so rmin wins if a caller sets rmax < rmin
            // (RenormOptions.Validate rejects that); d is clipped symmetrically.
            double unclippedR = standardDeviation[channel] / sigma;
            double unclippedD = (mean[channel] - renormMean[channel]) / sigma;
            r[channel] = ClipFromAbove(ClipFromBelow(unclippedR, renorm.RMin), renorm.RMax);
            d[channel] = ClipFromAbove(ClipFromBelow(unclippedD, -renorm.DMax), renorm.DMax);
        }

        return (r, d);
    }

    /// <summary><c>max(value, lower)</c>, or the value itself when there is no lower bound.</summary>
    private static double ClipFromBelow(double value, double? lower) => lower is double bound ? Math.Max(value, bound) : value;

    /// <summary><c>min(value, upper)</c>, or the value itself when there is no upper bound.</summary>
    private static double ClipFromAbove(double value, double? upper) => upper is double bound ? Math.Min(value, bound) : value;

    /// <summary>
    /// Folds r and d into the layer's scale and offset (Keras' <c>_compose_transforms</c>, lines 517-547):
    /// <c>(xhat * r + d) * gamma + beta = xhat * (r * gamma) + (d * gamma + beta)</c>.
    /// </summary>
    private static (double[] Scale, double[] Offset) ComposeRenormTransforms(double[] r, double[] d, double[] gamma, double[] beta)
    {
        int channels = r.Length;
        double[] scale = new double[channels];
        double[] offset = new double[channels];
        for (int channel = 0; channel < channels; channel++)
        {
            scale[channel] = r[channel] * gamma[channel];
            offset[channel] = (d[channel] * gamma[channel]) + beta[channel];
        }

        return (scale, offset);
    }

    /// <summary>Where a renormalizing training call leaves the five statistics it moves.</summary>
    private sealed record RenormStatistics(double[] MovingMean, double[] MovingVariance, double[] MovingStddev, double[] RenormMean, double[] RenormStddev);

    /// <summary>
    /// The statistic updates of a renormalizing training call (Keras' <c>_update_renorm_statistics</c>, lines 549-586). The
    /// renorm statistics move with the renorm momentum, the moving ones with the layer's momentum, both towards this batch's
    /// mean and <c>stddev = sqrt(variance + epsilon)</c>. The moving variance is not moved itself: it is derived from the
    /// new moving stddev as <c>relu(moving_stddev² - epsilon)</c>, the relu catching a square that rounds below epsilon.
    /// </summary>
    private static RenormStatistics UpdateRenormStatistics(
        BatchNormOptions options,
        double[] mean,
        double[] standardDeviation,
        double[] movingMean,
        double[] movingStddev,
        double[] renormMean,
        double[] renormStddev)
    {
        double momentum = options.Momentum;
        double renormMomentum = options.Renorm!.Momentum;
        int channels = mean.Length;
        var updated = new RenormStatistics(new double[channels], new double[channels], new double[channels], new double[channels], new double[channels]);
        for (int channel = 0; channel < channels; channel++)
        {
            updated.RenormMean[channel] = (renormMean[channel] * renormMomentum) + (mean[channel] * (1.0 - renormMomentum));
            updated.RenormStddev[channel] = (renormStddev[channel] * renormMomentum) + (standardDeviation[channel] * (1.0 - renormMomentum));
            updated.MovingMean[channel] = (movingMean[channel] * momentum) + (mean[channel] * (1.0 - momentum));
            updated.MovingStddev[channel] = (movingStddev[channel] * momentum) + (standardDeviation[channel] * (1.0 - momentum));
            double squaredStddev = updated.MovingStddev[channel] * updated.MovingStddev[channel];
            updated.MovingVariance[channel] = Math.Max(squaredStddev - options.Epsilon, 0.0);
        }

        return updated;
    }
}
