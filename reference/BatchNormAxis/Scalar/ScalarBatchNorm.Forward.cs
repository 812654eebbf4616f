using System.Numerics;

namespace BatchNormAxis;

public sealed partial class ScalarBatchNorm
{
    /// <inheritdoc/>
    public void Forward<T>(
        AxisResolution layout,
        BatchNormOptions options,
        bool training,
        ReadOnlySpan<T> x,
        BatchNormWeights<T> weights,
        ForwardDestinations<T> destinations,
        ReadOnlySpan<bool> mask = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        BatchNormArguments.ValidateForward(layout, options, x, weights, destinations, mask);

        // Read every input into double first. Nothing is written until the end, so y may be x itself and the
        // new moving statistics may overwrite the old ones.
        int channels = layout.ChannelCount;
        double[] input = Conversions.Widen(x);
        double[] gamma = GammaOrOnes(options, weights.Gamma, channels);
        double[] beta = BetaOrZeros(options, weights.Beta, channels);
        double[] movingMean = Conversions.Widen(weights.MovingMean);
        double[] movingVariance = Conversions.Widen(weights.MovingVariance);
        double[] movingStddev = Conversions.Widen(weights.MovingStddev); // the three renorm statistics: empty without renorm
        double[] renormMean = Conversions.Widen(weights.RenormMean);
        double[] renormStddev = Conversions.Widen(weights.RenormStddev);
        int[] channelOf = ChannelOfEachElement(layout);

        // Keras: `if training and self.trainable`. A frozen layer uses its moving statistics even when
        // called with training=True, and does not update them.
        bool useBatchStatistics = training && options.Trainable;
        bool renormalize = useBatchStatistics && options.Renorm is not null;

        // Step 1: the statistics to normalize with.
        double[] mean;
        double[] variance;
        if (useBatchStatistics)
        {
            (mean, variance) = mask.IsEmpty
                ? ComputeBatchStatistics(layout, channelOf, input)
                : ComputeMaskedBatchStatistics(layout, channelOf, input, mask);
        }
        else
        {
            mean = movingMean;
            variance = movingVariance;
        }

        double[] standardDeviation = ComputeStandardDeviation(variance, options.Epsilon);

        // Step 2: the scale and offset applied after normalizing: gamma and beta, or with batch renormalization
        // r * gamma and d * gamma + beta, where r and d compare this batch with the renorm statistics before the call.
        double[] scale = gamma;
        double[] offset = beta;
        if (renormalize)
        {
            (double[] r, double[] d) = ComputeRenormCorrections(options.Renorm!, options.Epsilon, mean, standardDeviation, renormMean, renormStddev);
            (scale, offset) = ComposeRenormTransforms(r, d, gamma, beta);
        }

        // Step 3: normalize each element with its channel's statistics, then scale and shift:
        // y = scale * (x - mean) / sqrt(variance + epsilon) + offset.
        double[] y = new double[input.Length];
        for (int element = 0; element < input.Length; element++)
        {
            int channel = channelOf[element];
            double normalized = (input[element] - mean[channel]) / standardDeviation[channel];
            y[element] = (scale[channel] * normalized) + offset[channel];
        }

        // Step 4: the moving statistics. Keras convention: momentum is the weight of the OLD value,
        // moving = moving * momentum + batch * (1 - momentum). The variance fed in is the biased one,
        // the same that normalized y (PyTorch feeds the unbiased n/(n-1) variance instead). With renorm the
        // moving variance is derived from a tracked moving stddev instead; inference and frozen calls copy
        // every statistic unchanged.
        double[] newMovingMean = new double[channels];
        double[] newMovingVariance = new double[channels];
        double[] newMovingStddev = movingStddev;
        double[] newRenormMean = renormMean;
        double[] newRenormStddev = renormStddev;
        if (renormalize)
        {
            RenormStatistics updated = UpdateRenormStatistics(options, mean, standardDeviation, movingMean, movingStddev, renormMean, renormStddev);
            (newMovingMean, newMovingVariance) = (updated.MovingMean, updated.MovingVariance);
            (newMovingStddev, newRenormMean, newRenormStddev) = (updated.MovingStddev, updated.RenormMean, updated.RenormStddev);
        }
        else
        {
            for (int channel = 0; channel < channels; channel++)
            {
                if (useBatchStatistics)
                {
                    newMovingMean[channel] = (movingMean[channel] * options.Momentum) + (mean[channel] * (1.0 - options.Momentum));
                    newMovingVariance[channel] = (movingVariance[channel] * options.Momentum) + (variance[channel] * (1.0 - options.Momentum));
                }
                else
                {
                    newMovingMean[channel] = movingMean[channel];
                    newMovingVariance[channel] = movingVariance[channel];
                }
            }
        }

        // Step 5: round each result once to T.
        Conversions.Narrow(y, destinations.Y);
        Conversions.Narrow(newMovingMean, destinations.MovingMean);
        Conversions.Narrow(newMovingVariance, destinations.MovingVariance);
        Conversions.Narrow(newMovingStddev, destinations.MovingStddev); // empty without renorm: writes nothing
        Conversions.Narrow(newRenormMean, destinations.RenormMean);
        Conversions.Narrow(newRenormStddev, destinations.RenormStddev);
        if (!destinations.Mean.IsEmpty)
        {
            Conversions.Narrow(mean, destinations.Mean);
        }

        if (!destinations.Variance.IsEmpty)
        {
            Conversions.Narrow(variance, destinations.Variance);
        }
    }
}
