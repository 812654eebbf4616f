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

    /// <summary>Bounds of a renorm training call's outputs (before <see cref="Finalize"/>), per channel but <paramref name="Y"/>.</summary>
    /// <param name="Y">Per element.</param>
    /// <param name="MovingMean">The moving mean after the call.</param>
    /// <param name="MovingVariance">The moving variance after the call, derived from the moving stddev.</param>
    /// <param name="MovingStddev">The moving stddev after the call.</param>
    /// <param name="RenormMean">The renorm mean after the call.</param>
    /// <param name="RenormStddev">The renorm stddev after the call.</param>
    public sealed record RenormForwardBounds(double[] Y, double[] MovingMean, double[] MovingVariance, double[] MovingStddev, double[] RenormMean, double[] RenormStddev);

    /// <summary>What a renormalizing layer holds before a training call, and how far an implementation's copy may be from it.</summary>
    /// <param name="Options">The renorm hyperparameters.</param>
    /// <param name="MovingStddev">The moving stddev before the call.</param>
    /// <param name="RenormMean">The renorm mean before the call.</param>
    /// <param name="RenormStddev">The renorm stddev before the call.</param>
    /// <param name="CarriedMovingStddev">In a sequence, the previous call's tolerance of the moving stddev; else null (exact inputs).</param>
    /// <param name="CarriedRenormMean">The same for the renorm mean.</param>
    /// <param name="CarriedRenormStddev">The same for the renorm stddev.</param>
    public sealed record RenormState(
        RenormOptions Options,
        double[] MovingStddev,
        double[] RenormMean,
        double[] RenormStddev,
        double[]? CarriedMovingStddev = null,
        double[]? CarriedRenormMean = null,
        double[]? CarriedRenormStddev = null);

    /// <summary>
    /// Forward bounds of a renorm training call (docs/tolerance.md, "Batch renormalization"). Per channel
    /// <c>E(s) = Ev / (2 s) + 2 u s</c>, <c>E(r) = r0 (E(s) / s + 3 u) + u |r|</c>,
    /// <c>E(d) = Em / sigma + 4 u |d0| + u |d|</c> (r0, d0 before clipping, which never increases an error); then
    /// <c>Ey = |r g| Em / s + |r g xhat| Ev / (2 (v + eps)) + |g xhat| E(r) + |g| E(d) + 5 u (|r g| (|x| + |mean|) / s + |d g| + |b|)</c>
    /// and the five statistic updates in the form of the moving mean's, with
    /// <c>E(moving_variance) = 2 |ms| E(ms) + 3 u (ms² + eps)</c>.
    /// </summary>
    /// <param name="call">The call (training, trainable).</param>
    /// <param name="state">The renorm statistics before the call.</param>
    /// <returns>The bounds.</returns>
    public static RenormForwardBounds RenormForward(CallInputs call, RenormState state)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(state);
        (double[] meanBound, double[] varianceBound) = StatisticsBounds(call);
        Corrections corrections = RenormCorrections(call, state, meanBound, varianceBound);
        int[] channelOf = call.Layout.ChannelOfEachElement();
        double u = call.UnitRoundoff;
        double epsilon = call.Options.Epsilon;
        int channels = call.Layout.ChannelCount;

        double[] y = new double[call.X.Length];
        for (int i = 0; i < y.Length; i++)
        {
            int c = channelOf[i];
            double deviation = corrections.Stddev[c];
            double normalized = (call.X[i] - call.Mean[c]) / deviation;
            double gamma = Math.Abs(call.Gamma[c]);
            double scale = gamma * corrections.R[c];
            double rounding = 5 * u * ((scale * (Math.Abs(call.X[i]) + Math.Abs(call.Mean[c])) / deviation) + (gamma * Math.Abs(corrections.D[c])) + Math.Abs(call.Beta[c]));
            double fromStatistics = (scale * meanBound[c] / deviation) + (scale * Math.Abs(normalized) * varianceBound[c] / (2 * (call.Variance[c] + epsilon)));
            double fromCorrections = (gamma * Math.Abs(normalized) * corrections.RBound[c]) + (gamma * corrections.DBound[c]);
            y[i] = rounding + fromStatistics + fromCorrections;
        }

        double momentum = call.Options.Momentum;
        double renormMomentum = state.Options.Momentum;
        double[] movingMean = new double[channels];
        double[] movingStddev = new double[channels];
        double[] movingVariance = new double[channels];
        double[] renormMean = new double[channels];
        double[] renormStddev = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            double stddev = corrections.Stddev[c];
            movingMean[c] = Update(u, momentum, call.MovingMean[c], call.Mean[c], meanBound[c], 0);
            movingStddev[c] = Update(u, momentum, state.MovingStddev[c], stddev, corrections.StddevBound[c], state.CarriedMovingStddev?[c] ?? 0);
            renormMean[c] = Update(u, renormMomentum, state.RenormMean[c], call.Mean[c], meanBound[c], state.CarriedRenormMean?[c] ?? 0);
            renormStddev[c] = Update(u, renormMomentum, state.RenormStddev[c], stddev, corrections.StddevBound[c], state.CarriedRenormStddev?[c] ?? 0);

            // moving_variance = relu(ms² - eps): relu never increases an error; the square doubles the relative one.
            double newStddev = Math.Abs((momentum * state.MovingStddev[c]) + ((1 - momentum) * stddev));
            movingVariance[c] = (2 * newStddev * movingStddev[c]) + (3 * u * ((newStddev * newStddev) + epsilon));
        }

        return new RenormForwardBounds(y, movingMean, movingVariance, movingStddev, renormMean, renormStddev);
    }

    /// <summary>
    /// Backward bounds of a renorm training call: the batch-statistics bounds of <see cref="Backward"/> with
    /// <c>r g</c> for gamma, plus <c>|dx| (E(r) / r + u)</c> on dx; <c>dgamma = Σ dy (r xhat + d)</c> errs by
    /// <c>Σ |dy| (|r| Exhat + |xhat| E(r) + E(d)) + (N + 3) u Σ |dy| (|r xhat| + |d|)</c>; dbeta as without renorm.
    /// </summary>
    /// <param name="call">The call (training, trainable); its gamma is the layer's, not multiplied by r.</param>
    /// <param name="state">The renorm statistics before the call.</param>
    /// <param name="dy">The gradient with respect to y.</param>
    /// <param name="dx">The oracle's dx.</param>
    /// <returns>The bounds.</returns>
    public static BackwardBounds RenormBackward(CallInputs call, RenormState state, double[] dy, double[] dx)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dx);
        (double[] meanBound, double[] varianceBound) = StatisticsBounds(call);
        Corrections corrections = RenormCorrections(call, state, meanBound, varianceBound);
        int[] channelOf = call.Layout.ChannelOfEachElement();
        double u = call.UnitRoundoff;
        double epsilon = call.Options.Epsilon;
        double count = call.Layout.ReductionCount;
        int channels = call.Layout.ChannelCount;

        BackwardBounds scaled = Backward(call with { Gamma = [.. call.Gamma.Select((g, c) => g * corrections.R[c])] }, dy, dx);
        double[] dxBound = [.. scaled.Dx.Select((e, i) =>
        {
            double r = corrections.R[channelOf[i]];
            return e + (r > 0 ? Math.Abs(dx[i]) * ((corrections.RBound[channelOf[i]] / r) + u) : 0);
        })];

        double[] dgamma = new double[channels];
        for (int i = 0; i < dy.Length; i++)
        {
            int c = channelOf[i];
            double deviation = corrections.Stddev[c];
            double normalized = Math.Abs(call.X[i] - call.Mean[c]) / deviation;
            double normalizedBound = ((meanBound[c] + (Math.Abs(call.X[i] - call.Mean[c]) * varianceBound[c] / (2 * (call.Variance[c] + epsilon)))) / deviation) + (3 * u * normalized);
            double r = corrections.R[c];
            double d = Math.Abs(corrections.D[c]);
            dgamma[c] += Math.Abs(dy[i]) * ((r * normalizedBound) + (normalized * corrections.RBound[c]) + corrections.DBound[c] + ((count + 3) * u * ((r * normalized) + d)));
        }

        return new BackwardBounds(dxBound, dgamma, scaled.Dbeta);
    }

    /// <summary>One moving-average update <c>old * m + batch * (1 - m)</c>: rounding, the batch statistic's error, an inherited one.</summary>
    private static double Update(double u, double momentum, double old, double batch, double batchBound, double carried) =>
        (3 * u * (Math.Abs(old) + Math.Abs(batch))) + ((1 - momentum) * batchBound) + (momentum * carried);

    /// <summary>
    /// r and d per channel (clipped, as Keras computes them) with their bounds, and the batch stddev with its bound.
    /// The bounds use r0 and d0 before clipping: clipping to a constant is 1-Lipschitz, so it never increases an
    /// error; the extra <c>u |r|</c>, <c>u |d|</c> are the clip constants rounded to the compute type.
    /// </summary>
    private static Corrections RenormCorrections(CallInputs call, RenormState state, double[] meanBound, double[] varianceBound)
    {
        int channels = call.Layout.ChannelCount;
        double u = call.UnitRoundoff;
        double epsilon = call.Options.Epsilon;
        RenormOptions options = state.Options;
        var corrections = new Corrections(new double[channels], new double[channels], new double[channels], new double[channels], new double[channels], new double[channels]);
        for (int c = 0; c < channels; c++)
        {
            double stddev = Math.Sqrt(call.Variance[c] + epsilon);
            double stddevBound = (varianceBound[c] / (2 * stddev)) + (2 * u * stddev);

            // sigma = max(renorm_stddev, sqrt(eps)): sqrt(eps) rounded twice (eps to the compute type, then the root).
            double sigma = Math.Max(state.RenormStddev[c], Math.Sqrt(epsilon));
            double sigmaBound = (2 * u * sigma) + (state.CarriedRenormStddev?[c] ?? 0);
            double r0 = stddev / sigma;
            double d0 = (call.Mean[c] - state.RenormMean[c]) / sigma;
            double r = Math.Min(Math.Max(r0, options.RMin ?? double.NegativeInfinity), options.RMax ?? double.PositiveInfinity);
            double d = Math.Clamp(d0, -(options.DMax ?? double.PositiveInfinity), options.DMax ?? double.PositiveInfinity);

            corrections.Stddev[c] = stddev;
            corrections.StddevBound[c] = stddevBound;
            corrections.R[c] = r;
            corrections.D[c] = d;
            corrections.RBound[c] = (r0 * ((stddevBound / stddev) + (sigmaBound / sigma) + u)) + (u * Math.Abs(r));
            corrections.DBound[c] = ((meanBound[c] + (state.CarriedRenormMean?[c] ?? 0)) / sigma) + (Math.Abs(d0) * ((sigmaBound / sigma) + (2 * u))) + (u * Math.Abs(d));
        }

        return corrections;
    }

    /// <summary>Per channel: the batch stddev, r and d as used, and their error bounds.</summary>
    private sealed record Corrections(double[] Stddev, double[] StddevBound, double[] R, double[] RBound, double[] D, double[] DBound);

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
