using System.Numerics;

namespace BatchNormAxis;

public sealed partial class ScalarBatchNorm
{
    /// <inheritdoc/>
    public void Backward<T>(
        AxisResolution layout,
        BatchNormOptions options,
        bool training,
        ReadOnlySpan<T> x,
        ReadOnlySpan<T> dy,
        BatchNormWeights<T> weights,
        BackwardDestinations<T> destinations)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        BatchNormArguments.ValidateBackward(layout, options, x, dy, weights, destinations);

        int channels = layout.ChannelCount;
        double[] input = Conversions.Widen(x);
        double[] outputGradient = Conversions.Widen(dy);
        double[] gamma = GammaOrOnes(options, weights.Gamma, channels);
        int[] channelOf = ChannelOfEachElement(layout);
        bool useBatchStatistics = training && options.Trainable;

        // Step 1: the statistics the forward call normalized with.
        double[] mean;
        double[] variance;
        if (useBatchStatistics)
        {
            (mean, variance) = ComputeBatchStatistics(layout, channelOf, input);
        }
        else
        {
            mean = Conversions.Widen(weights.MovingMean);
            variance = Conversions.Widen(weights.MovingVariance);
        }

        double[] standardDeviation = ComputeStandardDeviation(variance, options.Epsilon);

        // With batch renormalization the forward call scaled by r * gamma and shifted by d * gamma + beta. r and d are
        // constants of the gradient (Keras wraps them in stop_gradient), so they enter below as plain numbers:
        // r * gamma takes gamma's place in dx, and y = xhat * (r * gamma) + d * gamma + beta gives
        // dgamma = sum(dy * (r * xhat + d)) = r * sum(dy * xhat) + d * sum(dy).
        bool renormalized = useBatchStatistics && options.Renorm is not null;
        double[] r = Filled(channels, 1.0);
        double[] d = Filled(channels, 0.0);
        if (renormalized)
        {
            (r, d) = ComputeRenormCorrections(
                options.Renorm!, options.Epsilon, mean, standardDeviation, Conversions.Widen(weights.RenormMean), Conversions.Widen(weights.RenormStddev));
        }

        // Step 2: per channel, the sum of dy (which is dbeta) and the sum of dy * xhat (dgamma without renorm),
        // where xhat = (x - mean) / sqrt(variance + epsilon) is the normalized input.
        double[] normalized = new double[input.Length];
        double[] sumOfOutputGradient = new double[channels];
        double[] sumOfOutputGradientTimesNormalized = new double[channels];
        for (int element = 0; element < input.Length; element++)
        {
            int channel = channelOf[element];
            normalized[element] = (input[element] - mean[channel]) / standardDeviation[channel];
            sumOfOutputGradient[channel] += outputGradient[element];
            sumOfOutputGradientTimesNormalized[channel] += outputGradient[element] * normalized[element];
        }

        // Step 3: dx. With moving statistics (inference, frozen) mean and variance are constants, so only the
        // direct path remains: dx = gamma * dy / sqrt(variance + epsilon). With batch statistics, x also moves
        // the mean and the variance of its channel, which subtracts the channel's mean of dy and the part of dy
        // along xhat: dx = gamma / sqrt(variance + epsilon) * (dy - mean(dy) - xhat * mean(dy * xhat)).
        double elementsPerChannel = layout.ReductionCount;
        double[] inputGradient = new double[input.Length];
        for (int element = 0; element < input.Length; element++)
        {
            int channel = channelOf[element];
            double scaleOverDeviation = r[channel] * gamma[channel] / standardDeviation[channel];
            if (useBatchStatistics)
            {
                double meanOfOutputGradient = sumOfOutputGradient[channel] / elementsPerChannel;
                double meanOfOutputGradientTimesNormalized = sumOfOutputGradientTimesNormalized[channel] / elementsPerChannel;
                inputGradient[element] = scaleOverDeviation
                    * (outputGradient[element] - meanOfOutputGradient - (normalized[element] * meanOfOutputGradientTimesNormalized));
            }
            else
            {
                inputGradient[element] = scaleOverDeviation * outputGradient[element];
            }
        }

        // Step 4: dgamma, sum(dy * xhat) without renorm and sum(dy * (r * xhat + d)) with it.
        double[] gammaGradient = sumOfOutputGradientTimesNormalized;
        if (renormalized)
        {
            gammaGradient = new double[channels];
            for (int channel = 0; channel < channels; channel++)
            {
                gammaGradient[channel] = (r[channel] * sumOfOutputGradientTimesNormalized[channel]) + (d[channel] * sumOfOutputGradient[channel]);
            }
        }

        // Step 5: round each result once to T. The layer has a gamma (beta) gradient only if it has a gamma (beta).
        Conversions.Narrow(inputGradient, destinations.Dx);
        if (options.Scale)
        {
            Conversions.Narrow(gammaGradient, destinations.Dgamma);
        }

        if (options.Center)
        {
            Conversions.Narrow(sumOfOutputGradient, destinations.Dbeta);
        }
    }
}
