namespace BatchNormAxis.Conformance;

/// <summary>
/// The error model behind every tolerance in the fixtures (docs/tolerance.md). For each output element it bounds
/// the error of any correct implementation computing in a type with unit roundoff <c>u</c>, in any summation order,
/// two-pass or one-pass (Welford/Chan), with or without scale and shift folded, on any number of threads. The
/// stored tolerance is <c>2 * bound + ulp(reference)</c>: the 2 because the oracle obeys the same bound (in
/// float64), the ulp for the final rounding to the output dtype.
/// </summary>
public static class ToleranceModel
{
    /// <summary>The factor on the error bound in the stored tolerance.</summary>
    public const double SafetyFactor = 2;

    /// <summary>The stored tolerance for one element: 0 where the reference is not finite (those must match exactly).</summary>
    /// <param name="bound">The error bound of the element.</param>
    /// <param name="reference">The oracle value.</param>
    /// <param name="dtype">The output dtype.</param>
    /// <returns>The tolerance.</returns>
    public static double Finalize(double bound, double reference, FixtureDType dtype) =>
        double.IsFinite(reference) ? (SafetyFactor * bound) + DTypes.Ulp(dtype, reference) : 0;

    /// <summary>Bounds of a forward call's outputs (before <see cref="Finalize"/>).</summary>
    /// <param name="Y">Per element.</param>
    /// <param name="MovingMean">Per channel.</param>
    /// <param name="MovingVariance">Per channel.</param>
    public sealed record ForwardBounds(double[] Y, double[] MovingMean, double[] MovingVariance);

    /// <summary>Bounds of a backward call's outputs (before <see cref="Finalize"/>).</summary>
    /// <param name="Dx">Per element.</param>
    /// <param name="Dgamma">Per channel.</param>
    /// <param name="Dbeta">Per channel.</param>
    public sealed record BackwardBounds(double[] Dx, double[] Dgamma, double[] Dbeta);

    /// <summary>What a call was given and what the oracle found, in float64.</summary>
    /// <param name="Layout">Shape and kept axes.</param>
    /// <param name="Options">Hyperparameters.</param>
    /// <param name="UseBatchStatistics">Training on a trainable layer.</param>
    /// <param name="UnitRoundoff">The compute type's unit roundoff.</param>
    /// <param name="X">The input.</param>
    /// <param name="Gamma">gamma, ones when the layer has none.</param>
    /// <param name="Beta">beta, zeros when the layer has none.</param>
    /// <param name="MovingMean">The moving mean before the call.</param>
    /// <param name="MovingVariance">The moving variance before the call.</param>
    /// <param name="Mean">The oracle's mean used to normalize.</param>
    /// <param name="Variance">The oracle's variance used to normalize.</param>
    /// <param name="MaskWeights">Per element 1 or 0 when a mask applies, else null.</param>
    public sealed record CallInputs(
        AxisResolution Layout,
        BatchNormOptions Options,
        bool UseBatchStatistics,
        double UnitRoundoff,
        double[] X,
        double[] Gamma,
        double[] Beta,
        double[] MovingMean,
        double[] MovingVariance,
        double[] Mean,
        double[] Variance,
        double[]? MaskWeights = null);

    /// <summary>
    /// Forward bounds. With batch statistics, per channel of N elements with mean absolute value A:
    /// mean <c>Em = (N + 1) u A</c>; variance <c>Ev = (N + 3) u (v + 2 sqrt(v) A) + Em²</c>; then for each element
    /// <c>Ey = |g| Em / s + |g xhat| Ev / (2 (v + eps)) + 4 u (|g| (|x| + |mean|) / s + |b|)</c>, <c>s = sqrt(v + eps)</c>;
    /// the moving statistics <c>3 u (|old| + |batch|) + (1 - momentum) E(batch)</c>. With moving statistics only the
    /// last term of Ey remains, and the moving statistics are copies (bound 0).
    /// </summary>
    /// <param name="call">The call.</param>
    /// <returns>The bounds.</returns>
    public static ForwardBounds Forward(CallInputs call)
    {
        ArgumentNullException.ThrowIfNull(call);
        (double[] meanBound, double[] varianceBound) = StatisticsBounds(call);
        int[] channelOf = call.Layout.ChannelOfEachElement();
        double u = call.UnitRoundoff;
        double epsilon = call.Options.Epsilon;
        int channels = call.Layout.ChannelCount;

        double[] y = new double[call.X.Length];
        for (int i = 0; i < y.Length; i++)
        {
            int c = channelOf[i];
            double deviation = Math.Sqrt(call.Variance[c] + epsilon);
            double normalized = (call.X[i] - call.Mean[c]) / deviation;
            double rounding = 4 * u * ((Math.Abs(call.Gamma[c]) * (Math.Abs(call.X[i]) + Math.Abs(call.Mean[c])) / deviation) + Math.Abs(call.Beta[c]));
            double fromStatistics = (Math.Abs(call.Gamma[c]) * meanBound[c] / deviation)
                + (Math.Abs(call.Gamma[c] * normalized) * varianceBound[c] / (2 * (call.Variance[c] + epsilon)));
            y[i] = rounding + fromStatistics;
        }

        double[] movingMean = new double[channels];
        double[] movingVariance = new double[channels];
        if (call.UseBatchStatistics)
        {
            double take = 1 - call.Options.Momentum;
            for (int c = 0; c < channels; c++)
            {
                movingMean[c] = (3 * u * (Math.Abs(call.MovingMean[c]) + Math.Abs(call.Mean[c]))) + (take * meanBound[c]);
                movingVariance[c] = (3 * u * (Math.Abs(call.MovingVariance[c]) + call.Variance[c])) + (take * varianceBound[c]);
            }
        }

        return new ForwardBounds(y, movingMean, movingVariance);
    }

    /// <summary>
    /// Backward bounds (docs/tolerance.md). With batch statistics the error of xhat
    /// (<c>(Em + |x - mean| Ev / (2 (v + eps))) / s + 3 u |xhat|</c>) and of the two channel means of dy and dy·xhat
    /// propagate into <c>dx = g / s (dy - mean(dy) - xhat mean(dy xhat))</c>; with moving statistics
    /// <c>dx = g dy / s</c> errs by a few u of itself.
    /// </summary>
    /// <param name="call">The call.</param>
    /// <param name="dy">The gradient with respect to y.</param>
    /// <param name="dx">The oracle's dx.</param>
    /// <returns>The bounds.</returns>
    public static BackwardBounds Backward(CallInputs call, double[] dy, double[] dx)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dx);
        (double[] meanBound, double[] varianceBound) = StatisticsBounds(call);
        int[] channelOf = call.Layout.ChannelOfEachElement();
        double u = call.UnitRoundoff;
        double epsilon = call.Options.Epsilon;
        int channels = call.Layout.ChannelCount;
        double count = call.Layout.ReductionCount;

        // Per element: xhat and its error bound.
        double[] normalized = new double[dy.Length];
        double[] normalizedBound = new double[dy.Length];
        double[] largestNormalizedBound = new double[channels];
        double[] sumAbsDy = new double[channels];
        double[] sumDy = new double[channels];
        double[] sumDyNormalized = new double[channels];
        double[] sumAbsDyNormalized = new double[channels];
        double[] sumAbsDyTimesNormalizedBound = new double[channels];
        for (int i = 0; i < dy.Length; i++)
        {
            int c = channelOf[i];
            double deviation = Math.Sqrt(call.Variance[c] + epsilon);
            normalized[i] = (call.X[i] - call.Mean[c]) / deviation;
            normalizedBound[i] = call.UseBatchStatistics
                ? ((meanBound[c] + (Math.Abs(call.X[i] - call.Mean[c]) * varianceBound[c] / (2 * (call.Variance[c] + epsilon)))) / deviation) + (3 * u * Math.Abs(normalized[i]))
                : 3 * u * (Math.Abs(call.X[i]) + Math.Abs(call.Mean[c])) / deviation;
            largestNormalizedBound[c] = Math.Max(largestNormalizedBound[c], normalizedBound[i]);
            sumAbsDy[c] += Math.Abs(dy[i]);
            sumDy[c] += dy[i];
            sumDyNormalized[c] += dy[i] * normalized[i];
            sumAbsDyNormalized[c] += Math.Abs(dy[i] * normalized[i]);
            sumAbsDyTimesNormalizedBound[c] += Math.Abs(dy[i]) * normalizedBound[i];
        }

        double[] dgamma = new double[channels];
        double[] dbeta = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            dbeta[c] = (count + 1) * u * sumAbsDy[c];
            dgamma[c] = ((count + 2) * u * sumAbsDyNormalized[c]) + sumAbsDyTimesNormalizedBound[c];
        }

        double[] dxBound = new double[dy.Length];
        for (int i = 0; i < dy.Length; i++)
        {
            int c = channelOf[i];
            double deviation = Math.Sqrt(call.Variance[c] + epsilon);
            double scale = Math.Abs(call.Gamma[c]) / deviation;
            if (!call.UseBatchStatistics)
            {
                dxBound[i] = 4 * u * scale * Math.Abs(dy[i]);
                continue;
            }

            double meanDy = sumDy[c] / count;
            double meanDyNormalized = sumDyNormalized[c] / count;
            double meanDyBound = (count + 1) * u * sumAbsDy[c] / count;
            double meanDyNormalizedBound = (((count + 2) * u * sumAbsDyNormalized[c]) + (sumAbsDy[c] * largestNormalizedBound[c])) / count;
            double inner = meanDyBound
                + (Math.Abs(normalized[i]) * meanDyNormalizedBound)
                + (normalizedBound[i] * Math.Abs(meanDyNormalized))
                + (4 * u * (Math.Abs(dy[i]) + Math.Abs(meanDy) + Math.Abs(normalized[i] * meanDyNormalized)));
            dxBound[i] = (scale * inner) + (Math.Abs(dx[i]) * ((varianceBound[c] / (2 * (call.Variance[c] + epsilon))) + (2 * u)));
        }

        return new BackwardBounds(dxBound, dgamma, dbeta);
    }

    /// <summary>Bounds on the batch mean and variance per channel; zero when the call uses moving statistics.</summary>
    private static (double[] Mean, double[] Variance) StatisticsBounds(CallInputs call)
    {
        int channels = call.Layout.ChannelCount;
        double[] meanBound = new double[channels];
        double[] varianceBound = new double[channels];
        double[] absoluteMean = new double[channels];
        if (!call.UseBatchStatistics)
        {
            return (meanBound, varianceBound);
        }

        // Every element is a term of its channel's sums, masked or not, so N counts them all.
        int[] channelOf = call.Layout.ChannelOfEachElement();
        double count = call.Layout.ReductionCount;
        double[] weightSum = new double[channels];
        for (int i = 0; i < call.X.Length; i++)
        {
            double weight = call.MaskWeights?[i] ?? 1;
            absoluteMean[channelOf[i]] += weight * Math.Abs(call.X[i]);
            weightSum[channelOf[i]] += weight;
        }

        double u = call.UnitRoundoff;
        for (int c = 0; c < channels; c++)
        {
            absoluteMean[c] = weightSum[c] > 0 ? absoluteMean[c] / weightSum[c] : 0;
            meanBound[c] = (count + 1) * u * absoluteMean[c];
            double variance = call.Variance[c];
            varianceBound[c] = ((count + 3) * u * (variance + (2 * Math.Sqrt(variance) * absoluteMean[c]))) + (meanBound[c] * meanBound[c]);
        }

        return (meanBound, varianceBound);
    }
}
