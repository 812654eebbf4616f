namespace BatchNormAxis.FixtureGenerator;

/// <summary>
/// Makes a case's inputs from its seed, already rounded to the case's dtype: what is stored is what the oracles
/// compute from.
/// </summary>
internal static class InputSynthesis
{
    /// <summary>x for a data pattern; channels come from the layout so patterns can target channel 0 and 1.</summary>
    /// <remarks>
    /// Large offset: the offset A is about 8000 spreads in float32 and 8e8 in float64 (spread 0.125 in both), so u A²
    /// dwarfs the variance and the single pass E[x²] - E[x]² cancels to garbage, while the correct computation's error
    /// (N + 1) u A / s, which sets the tolerance of y (docs/tolerance.md), stays near 1% of the spread in float32
    /// (1e-6 in float64): y = beta misses y by far. The spread is well above sqrt(epsilon), so xhat is of order 1
    /// rather than squeezed by epsilon. The float64 offset 1e8 = 390625 * 2^8: rounded to float32 (Keras 3.12+ outside
    /// TensorFlow) every value becomes 1e8 and float32 sums of up to 42 of them are exact, so a float32 computation has
    /// a definite answer its error model describes (variance 0), while 1e8² is not a float32 number, so a single pass
    /// in float32 still cancels.
    /// </remarks>
    public static double[] X(CaseSpec spec, AxisResolution layout, DeterministicRandom random)
    {
        int[] channelOf = layout.ChannelOfEachElement();
        double[] x = new double[layout.ElementCount];
        bool placedInChannel0 = false;
        bool placedInChannel1 = false;
        for (int i = 0; i < x.Length; i++)
        {
            double z = random.NextNormal();
            x[i] = spec.Pattern switch
            {
                DataPattern.LargeOffset when spec.DType == FixtureDType.Float64 => 1e8 + (z * Math.ScaleB(1.0, -3)),
                DataPattern.LargeOffset => 1000 + (z * Math.ScaleB(1.0, -3)),
                DataPattern.ConstantChannel when channelOf[i] == 0 => 0.7,
                DataPattern.SignedZero when channelOf[i] == 0 => random.NextBool(0.5) ? 0.0 : -0.0,
                DataPattern.Tiny => z * 1e-20,
                DataPattern.Huge => z * 1e17,
                _ => (1.5 * z) + 0.25,
            };

            // One special value in channel 0 (and, for infinities, an opposite one in channel 1).
            bool special = spec.Pattern is DataPattern.NaN or DataPattern.Infinity;
            if (special && channelOf[i] == 0 && !placedInChannel0)
            {
                x[i] = spec.Pattern == DataPattern.NaN ? double.NaN : double.PositiveInfinity;
                placedInChannel0 = true;
            }
            else if (spec.Pattern == DataPattern.Infinity && channelOf[i] == 1 && !placedInChannel1)
            {
                x[i] = double.NegativeInfinity;
                placedInChannel1 = true;
            }
        }

        return Rounded(spec.DType, x);
    }

    /// <summary>dy: roughly standard normal.</summary>
    public static double[] Dy(CaseSpec spec, int count, DeterministicRandom random) =>
        Rounded(spec.DType, [.. Enumerable.Range(0, count).Select(_ => random.NextNormal())]);

    /// <summary>gamma in [0.5, 1.5), not 1, so a missing or misplaced gamma shows.</summary>
    public static double[] Gamma(CaseSpec spec, int channels, DeterministicRandom random) =>
        Rounded(spec.DType, [.. Enumerable.Range(0, channels).Select(_ => random.NextUniform(0.5, 1.5))]);

    /// <summary>beta in [-1, 1).</summary>
    public static double[] Beta(CaseSpec spec, int channels, DeterministicRandom random) =>
        Rounded(spec.DType, [.. Enumerable.Range(0, channels).Select(_ => random.NextUniform(-1, 1))]);

    /// <summary>A moving mean in [-0.5, 0.5), not Keras' initial zeros, so inference visibly uses it.</summary>
    public static double[] MovingMean(CaseSpec spec, int channels, DeterministicRandom random) =>
        Rounded(spec.DType, [.. Enumerable.Range(0, channels).Select(_ => random.NextUniform(-0.5, 0.5))]);

    /// <summary>A moving variance in [0.5, 1.5).</summary>
    public static double[] MovingVariance(CaseSpec spec, int channels, DeterministicRandom random) =>
        Rounded(spec.DType, [.. Enumerable.Range(0, channels).Select(_ => random.NextUniform(0.5, 1.5))]);

    /// <summary>A moving stddev in [0.7, 1.2), independent of the moving variance (a layer's weights may be set to anything).</summary>
    public static double[] MovingStddev(CaseSpec spec, int channels, DeterministicRandom random) =>
        Rounded(spec.DType, [.. Enumerable.Range(0, channels).Select(_ => random.NextUniform(0.7, 1.2))]);

    /// <summary>A renorm mean spread over [-1, 1] across the channels (see <see cref="Spread"/>): against batch means near 0.25, d spans about [-2, 2].</summary>
    public static double[] RenormMean(CaseSpec spec, int channels, DeterministicRandom random) =>
        Rounded(spec.DType, Spread(-1, 1, channels, random));

    /// <summary>
    /// A renorm stddev spread over [0.6, 3] across the channels: against batch stddevs near 1.5, r spans about
    /// [0.5, 2.5], so clips such as [0.9, 1.4] bite on the first and last channels and not on all. With
    /// <see cref="CaseSpec.RenormStddevBelowFloor"/>, channel 0 holds 0 and channel 1 sqrt(epsilon) / 4.
    /// </summary>
    public static double[] RenormStddev(CaseSpec spec, int channels, DeterministicRandom random)
    {
        double[] values = Spread(0.6, 3, channels, random);
        if (spec.RenormStddevBelowFloor)
        {
            values[0] = 0;
            values[1] = Math.Sqrt(spec.Options.Epsilon) / 4;
        }

        return Rounded(spec.DType, values);
    }

    /// <summary>
    /// Evenly spaced from <paramref name="low"/> to <paramref name="high"/> over the channels, each moved by up to
    /// 5% at random: random draws over few channels may all land on one side of a clip bound; a spread cannot.
    /// </summary>
    private static double[] Spread(double low, double high, int channels, DeterministicRandom random) =>
        [.. Enumerable.Range(0, channels).Select(c => (low + ((high - low) * c / Math.Max(channels - 1, 1))) * random.NextUniform(0.95, 1.05))];

    /// <summary>A mask over positions (the input without its last axis): 1 keeps, 0 masks out; about 70% kept.</summary>
    public static double[] Mask(CaseSpec spec, int positions, DeterministicRandom random) =>
        [.. Enumerable.Range(0, positions).Select(_ => spec.FullyMasked ? 0.0 : (random.NextBool(0.7) ? 1.0 : 0.0))];

    public static double[] Rounded(FixtureDType dtype, double[] values) => [.. values.Select(v => DTypes.Round(dtype, v))];
}
