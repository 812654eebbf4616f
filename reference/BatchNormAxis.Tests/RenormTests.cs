using System.Numerics;
using CsCheck;

namespace BatchNormAxis.Tests;

/// <summary>
/// Batch renormalization in the reference, on a hand-computed example (Keras 3.15.1
/// <c>keras/src/layers/normalization/batch_normalization.py</c> lines 476-586): r and d with and without each clip, the
/// sqrt(epsilon) floor, center and scale off, both momenta, the moving variance derived from the moving stddev, inference
/// and frozen calls, masks, a sequence, and the gradient.
/// </summary>
/// <remarks>
/// <para>The example: input shape (2, 2), axis -1, epsilon 9/16 (so sqrt(epsilon) = 3/4), momentum 3/4, renorm momentum
/// 1/2. Channel 0 holds [1, 3]: mean 2, variance 1, stddev sqrt(1 + 9/16) = 5/4. Channel 1 holds [-25/16, -7/16]: mean -1,
/// variance 81/256, stddev sqrt(81/256 + 144/256) = 15/16. Every statistic is then a short binary fraction.</para>
/// <para>Error model of the comparisons: every expected value below is exact. The reference computes each result with
/// fewer than 20 double operations on values of magnitude at most 10, so it is within 1e-14 of the exact value; a float
/// or Half result is that double rounded once, which is the exact value rounded to the type (no exact value here lies
/// within 1e-14 of a rounding boundary of float or Half). A formula mistake moves a value by 1e-3 at least.</para>
/// </remarks>
public class RenormTests
{
    private static readonly IBatchNormalization s_reference = ScalarBatchNorm.Instance;
    private static readonly AxisResolution s_layout = AxisResolution.Resolve([2, 2], AxisSpec.Default);
    private static readonly double[] s_x = [1, -1.5625, 3, -0.4375];

    private static readonly BatchNormOptions s_options = new()
    {
        Epsilon = 0.5625,
        Momentum = 0.75,
        Renorm = new RenormOptions { Momentum = 0.5 },
    };

    /// <summary>
    /// Channel 0's renorm stddev 1 is above the floor 3/4: sigma 1, r = (5/4) / 1, d = (2 - 0) / 1.
    /// Channel 1's 1/4 is below it: sigma 3/4, r = (15/16) / (3/4) = 5/4, d = (-1 - 1/2) / (3/4) = -2.
    /// The moving variance 7 is never read in training.
    /// </summary>
    private static readonly RenormLayerState<double> s_state = new(
        Gamma: [2, 0.5],
        Beta: [1, -1],
        MovingMean: [0, 0],
        MovingVariance: [7, 7],
        MovingStddev: [1, 1],
        RenormMean: [0, 0.5],
        RenormStddev: [1, 0.25]);

    /// <summary>r = [5/4, 5/4] and d = [2, -2]: y = xhat * (r * gamma) + (d * gamma + beta), xhat = [-4/5, -3/5, 4/5, 3/5].</summary>
    private static readonly double[] s_unclippedY = [-0.8 * 2.5 + 5, (-0.6 * 0.625) - 2, (0.8 * 2.5) + 5, (0.6 * 0.625) - 2]; // [3, -2.375, 7, -1.625]

    public static TheoryData<string> ElementTypes => ["float32", "float64", "float16"];

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Training_CorrectsByRAndD_AndMovesAllFiveStatistics(string type)
    {
        RenormForwardResult<double> result = ForwardAs(type, s_options, s_state);

        AssertValues(type, [3, -2.375, 7, -1.625], result.Y, "y");
        AssertValues(type, [1, -0.25], result.RenormMean, "renorm_mean");            // [0, 1/2] / 2 + [2, -1] / 2
        AssertValues(type, [1.125, 0.59375], result.RenormStddev, "renorm_stddev");  // [1, 1/4] / 2 + [5/4, 15/16] / 2
        AssertValues(type, [0.5, -0.25], result.MovingMean, "moving_mean");          // 0 * 3/4 + [2, -1] / 4
        AssertValues(type, [1.0625, 0.984375], result.MovingStddev, "moving_stddev"); // 3/4 + [5/4, 15/16] / 4

        // Derived, not moved: 1.0625² - 9/16 and 0.984375² - 9/16.
        AssertValues(type, [0.56640625, 0.406494140625], result.MovingVariance, "moving_variance");
    }

    [Theory]
    [InlineData(null, null, null, new[] { 3, -2.375, 7, -1.625 })]              // no clip
    [InlineData(1.0, 2.0, 3.0, new[] { 3, -2.375, 7, -1.625 })]                // every clip wider than r and d
    [InlineData(null, 1.125, null, new[] { 3.2, -2.3375, 6.8, -1.6625 })]      // r = [9/8, 9/8]
    [InlineData(1.5, null, null, new[] { 2.6, -2.45, 7.4, -1.55 })]            // r = [3/2, 3/2]
    [InlineData(null, null, 1.0, new[] { 1, -1.875, 5, -1.125 })]              // d = [1, -1]
    [InlineData(1.5, 2.0, 1.0, new[] { 0.6, -1.95, 5.4, -1.05 })]              // r = [3/2, 3/2], d = [1, -1]
    public void Clipping_BoundsRAndD_ButNotTheStatistics(double? rmin, double? rmax, double? dmax, double[] expectedY)
    {
        BatchNormOptions options = s_options with { Renorm = s_options.Renorm! with { RMin = rmin, RMax = rmax, DMax = dmax } };

        RenormForwardResult<double> result = ForwardAs("float64", options, s_state);

        AssertValues("float64", expectedY, result.Y, "y");
        AssertValues("float64", [1, -0.25], result.RenormMean, "renorm_mean");
        AssertValues("float64", [1.125, 0.59375], result.RenormStddev, "renorm_stddev");
        AssertValues("float64", [0.56640625, 0.406494140625], result.MovingVariance, "moving_variance");
    }

    [Fact]
    public void Sigma_IsFlooredAtSqrtEpsilon_ButTheStoredRenormStddevIsNot()
    {
        // Channel 0: renorm stddev 0 -> sigma 3/4, r = (5/4) / (3/4) = 5/3, d = 2 / (3/4) = 8/3,
        // y = -+(4/5) * (10/3) + (16/3 + 1) = [11/3, 9]. Channel 1: exactly sqrt(epsilon), as before.
        RenormForwardResult<double> result = ForwardAs("float64", s_options, s_state with { RenormStddev = [0, 0.75] });

        AssertValues("float64", [11.0 / 3, -2.375, 9, -1.625], result.Y, "y");

        // 0 / 2 + (5/4) / 2 = 5/8, below the floor, stored as is.
        AssertValues("float64", [0.625, 0.84375], result.RenormStddev, "renorm_stddev");
    }

    [Theory]
    [InlineData(false, false, new[] { 1, -2.75, 3, -1.25 })]      // scale r, offset d
    [InlineData(true, false, new[] { 2, -1.375, 6, -0.625 })]     // scale r * gamma, offset d * gamma
    [InlineData(false, true, new[] { 2, -3.75, 4, -2.25 })]       // scale r, offset d + beta
    public void WithoutScaleOrCenter_GammaIsOneAndBetaZero(bool scale, bool center, double[] expectedY)
    {
        BatchNormOptions options = s_options with { Scale = scale, Center = center };

        RenormForwardResult<double> result = ForwardAs("float64", options, s_state);

        AssertValues("float64", expectedY, result.Y, "y");
        AssertValues("float64", [1, -0.25], result.RenormMean, "renorm_mean");
    }

    [Fact]
    public void MovingVariance_IsClampedAtZero_WhenTheMovingStddevSquaredIsBelowEpsilon()
    {
        // Channel 1: 0 * 3/4 + (15/16) / 4 = 15/64, and (15/64)² = 0.0549... < 9/16.
        RenormForwardResult<double> result = ForwardAs("float64", s_options, s_state with { MovingStddev = [1, 0] });

        AssertValues("float64", [1.0625, 0.234375], result.MovingStddev, "moving_stddev");
        AssertValues("float64", [0.56640625, 0], result.MovingVariance, "moving_variance");
    }

    [Fact]
    public void MomentumZero_TakesTheBatch_AndRenormMomentumOne_KeepsTheRenormStatistics()
    {
        BatchNormOptions options = s_options with { Momentum = 0, Renorm = new RenormOptions { Momentum = 1 } };

        RenormForwardResult<double> result = ForwardAs("float64", options, s_state);

        AssertValues("float64", [2, -1], result.MovingMean, "moving_mean");
        AssertValues("float64", [1.25, 0.9375], result.MovingStddev, "moving_stddev");
        AssertValues("float64", [1, 0.31640625], result.MovingVariance, "moving_variance"); // the batch variances 1 and 81/256
        AssertValues("float64", [0, 0.5], result.RenormMean, "renorm_mean");
        AssertValues("float64", [1, 0.25], result.RenormStddev, "renorm_stddev");
    }

    [Fact]
    public void MomentumOne_DerivesTheMovingVarianceFromTheUnchangedMovingStddev_NotFromTheOneGiven()
    {
        BatchNormOptions options = s_options with { Momentum = 1, Renorm = new RenormOptions { Momentum = 0 } };

        RenormForwardResult<double> result = ForwardAs("float64", options, s_state);

        AssertValues("float64", [0, 0], result.MovingMean, "moving_mean");
        AssertValues("float64", [1, 1], result.MovingStddev, "moving_stddev");
        AssertValues("float64", [0.4375, 0.4375], result.MovingVariance, "moving_variance"); // 1² - 9/16, not the 7 given
        AssertValues("float64", [2, -1], result.RenormMean, "renorm_mean");
        AssertValues("float64", [1.25, 0.9375], result.RenormStddev, "renorm_stddev");
    }

    [Theory]
    [InlineData(false, true)] // inference
    [InlineData(true, false)] // frozen: a training call on a non-trainable layer
    public void InferenceAndFrozen_AreCallsWithoutRenorm_AndCopyEveryStatistic(bool training, bool trainable)
    {
        // y = gamma * (x - moving_mean) / sqrt(moving_variance + 9/16) + beta, with sqrt = [1, 3/4]:
        // channel 0: 2 * (x - 1/2) + 1 = 2x; channel 1: (1/2) * (x + 1) / (3/4) - 1.
        RenormLayerState<double> state = s_state with { MovingMean = [0.5, -1], MovingVariance = [0.4375, 0], RenormMean = [5, 6] };
        BatchNormOptions options = s_options with { Trainable = trainable, Renorm = new RenormOptions { RMax = 1, DMax = 0 } };

        RenormForwardResult<double> result = ForwardAs("float64", options, state, training);

        AssertValues("float64", [2, -1.375, 6, -0.625], result.Y, "y");
        AssertValues("float64", state.MovingMean, result.MovingMean, "moving_mean");
        AssertValues("float64", state.MovingVariance, result.MovingVariance, "moving_variance");
        AssertValues("float64", state.MovingStddev, result.MovingStddev, "moving_stddev");
        AssertValues("float64", state.RenormMean, result.RenormMean, "renorm_mean");
        AssertValues("float64", state.RenormStddev, result.RenormStddev, "renorm_stddev");
    }

    [Fact]
    public void Sequence_InPlace_SecondCallUsesTheRenormStatisticsTheFirstCallLeft()
    {
        double[] gamma = [2, 0.5];
        double[] beta = [1, -1];
        double[] movingMean = [0, 0];
        double[] movingVariance = [7, 7];
        double[] movingStddev = [1, 1];
        double[] renormMean = [0, 0.5];
        double[] renormStddev = [1, 0.25];
        double[] y = new double[4];
        for (int call = 0; call < 2; call++)
        {
            s_reference.Forward<double>(
                s_layout,
                s_options,
                training: true,
                s_x,
                new BatchNormWeights<double>(gamma, beta, movingMean, movingVariance, movingStddev, renormMean, renormStddev),
                new ForwardDestinations<double>(y, movingMean, movingVariance, movingStddev: movingStddev, renormMean: renormMean, renormStddev: renormStddev));
        }

        // Second call: renorm mean [1, -1/4], renorm stddev [9/8, 19/32]; channel 1's sigma is floored to 3/4.
        // Channel 0: r = (5/4) / (9/8) = 10/9, d = (2 - 1) / (9/8) = 8/9, y = -+(4/5) * (20/9) + (16/9 + 1) = [1, 41/9].
        // Channel 1: r = 5/4, d = (-1 + 1/4) / (3/4) = -1, y = -+(3/5) * (5/8) + (-1/2 - 1) = [-1.875, -1.125].
        AssertValues("float64", [1, -1.875, 41.0 / 9, -1.125], y, "y");
        AssertValues("float64", [1.5, -0.625], renormMean, "renorm_mean");                      // [1, -1/4] / 2 + [2, -1] / 2
        AssertValues("float64", [1.1875, 0.765625], renormStddev, "renorm_stddev");             // [9/8, 19/32] / 2 + [5/4, 15/16] / 2
        AssertValues("float64", [0.875, -0.4375], movingMean, "moving_mean");                   // [1/2, -1/4] * 3/4 + [2, -1] / 4
        AssertValues("float64", [1.109375, 0.97265625], movingStddev, "moving_stddev");         // [17/16, 63/64] * 3/4 + [5/4, 15/16] / 4
        AssertValues("float64", [(1.109375 * 1.109375) - 0.5625, (0.97265625 * 0.97265625) - 0.5625], movingVariance, "moving_variance");
    }

    [Fact]
    public void Masked_UsesTheMaskedMoments()
    {
        // The example's two rows, then a masked-out row of garbage: the statistics are those of the first two rows, up to
        // Keras' 1e-7 in the denominator, which moves each statistic by a relative 1e-7 / 2 (so at most 1e-6 here).
        AxisResolution layout = AxisResolution.Resolve([3, 2], AxisSpec.Default);
        double[] x = [.. s_x, 1000, -1000];

        RenormForwardResult<double> masked = RenormLayerCall.Forward(s_reference, layout, s_options, training: true, x, s_state, [true, true, false]);

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(new[] { 3, -2.375, 7, -1.625 }[i], masked.Y[i], 1e-6);
        }

        Assert.Equal(1, masked.RenormMean[0], 1e-6);
        Assert.Equal(1.125, masked.RenormStddev[0], 1e-6);
        Assert.Equal(0.406494140625, masked.MovingVariance[1], 1e-6);

        // And nothing at a masked position counts: another garbage row gives bit-identical statistics and unmasked outputs.
        RenormForwardResult<double> other = RenormLayerCall.Forward(s_reference, layout, s_options, training: true, [.. s_x, -7, 3e9], s_state, [true, true, false]);
        Assert.Equal(masked.Y[..4], other.Y[..4]);
        Assert.Equal(masked.MovingStddev, other.MovingStddev);
        Assert.Equal(masked.RenormMean, other.RenormMean);
        Assert.Equal(masked.RenormStddev, other.RenormStddev);
    }

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Backward_HoldsRAndDConstant_ByHand(string type)
    {
        // dy = [1, -1, 2, 1]. Channel 0: dy [1, 2], r * gamma / stddev = (5/4 * 2) / (5/4) = 2, mean(dy) = 3/2,
        // mean(dy * xhat) = (-4/5 + 8/5) / 2 = 2/5: dx = 2 * ([1, 2] - 3/2 - [-4/5, 4/5] * 2/5) = [-0.36, 0.36];
        // dgamma = sum(dy * (r * xhat + d)) = 1 * (-1 + 2) + 2 * (1 + 2) = 7; dbeta = 3.
        // Channel 1: dy [-1, 1], r * gamma / stddev = (5/8) / (15/16) = 2/3, mean(dy) = 0, mean(dy * xhat) = 3/5:
        // dx = 2/3 * ([-1, 1] - [-3/5, 3/5] * 3/5) = [-0.64, 0.64] * 2/3; dgamma = -1 * (-3/4 - 2) + 1 * (3/4 - 2) = 3/2; dbeta = 0.
        double[] dy = [1, -1, 2, 1];
        BackwardResult<double> result = BackwardAs(type, s_options, s_state, dy);

        AssertValues(type, [-0.36, -0.64 * 2 / 3, 0.36, 0.64 * 2 / 3], result.Dx, "dx");
        AssertValues(type, [7, 1.5], result.Dgamma, "dgamma");
        AssertValues(type, [3, 0], result.Dbeta, "dbeta");
    }

    [Fact]
    public void Backward_InInference_IsTheGradientWithoutRenorm()
    {
        // dx = gamma * dy / sqrt(moving_variance + epsilon) = [2, 1/2] * dy / [1, 3/4]; dgamma = sum(dy * xhat).
        RenormLayerState<double> state = s_state with { MovingMean = [0.5, -1], MovingVariance = [0.4375, 0] };
        double[] dy = [1, -1, 2, 1];

        BackwardResult<double> result = RenormLayerCall.Backward(s_reference, s_layout, s_options, training: false, s_x, dy, state);

        AssertValues("float64", [2, -2.0 / 3, 4, 2.0 / 3], result.Dx, "dx");
        AssertValues("float64", [(1 * 0.5) + (2 * 2.5), (-1 * -0.75) + (1 * 0.75)], result.Dgamma, "dgamma"); // xhat = [1/2, -3/4, 5/2, 3/4]
        AssertValues("float64", [3, 0], result.Dbeta, "dbeta");
    }

    /// <summary>
    /// With r clipped to a single value (rmin = rmax) and d saturated at ±dmax (the renorm mean far from the batch mean),
    /// r and d do not move when x moves a little, so the forward pass itself has the gradient that holds them constant:
    /// central finite differences of the real forward must match the backward pass, for dx, dgamma and dbeta.
    /// </summary>
    [Fact]
    public void Backward_MatchesFiniteDifferencesOfTheForward_WhenClippingHoldsRAndDFixed()
    {
        Gen<(int[] Shape, int Kept, double R, double DMax, int Seed)> problems =
            from rank in Gen.Int[1, 4]
            from shape in Gen.Int[1, 4].Array[rank]
            from kept in Gen.Int[1, (1 << rank) - 1]
            from r in Gen.Double[0.5, 2]
            from dmax in Gen.Double[0, 3]
            from seed in Gen.Int
            select (shape, kept, r, dmax, seed);

        problems.Sample(p =>
        {
            AxisResolution layout = AxisResolution.Resolve(p.Shape, AxisSpec.List([.. Enumerable.Range(0, p.Shape.Length).Where(a => ((p.Kept >> a) & 1) == 1)]));
            var random = new Random(p.Seed);
            int channels = layout.ChannelCount;
            double[] x = Random(random, layout.ElementCount, 1);
            double[] dy = Random(random, layout.ElementCount, 1);
            var state = new RenormLayerState<double>(
                Gamma: Random(random, channels, 2),
                Beta: Random(random, channels, 2),
                MovingMean: new double[channels],
                MovingVariance: new double[channels],
                MovingStddev: new double[channels],
                RenormMean: [.. Enumerable.Range(0, channels).Select(c => c % 2 == 0 ? 1e4 : -1e4)], // |d| >= (1e4 - 1) / sigma, far beyond dmax
                RenormStddev: [.. Enumerable.Range(0, channels).Select(_ => 0.5 + random.NextDouble())]);
            BatchNormOptions options = new() { Epsilon = 0.01, Renorm = new RenormOptions { RMin = p.R, RMax = p.R, DMax = p.DMax } };

            BackwardResult<double> analytic = RenormLayerCall.Backward(s_reference, layout, options, training: true, x, dy, state);

            double Loss(double[] input, RenormLayerState<double> weights)
            {
                double[] y = RenormLayerCall.Forward(s_reference, layout, options, training: true, input, weights).Y;
                return y.Select((v, i) => v * dy[i]).Sum();
            }

            // Central differences with h = 1e-5 on a loss whose third derivative is of order 1e2 here (epsilon 0.01 keeps
            // 1/stddev below 10): truncation h² * 1e2 ≈ 1e-8, rounding 1e-16 * |loss| / h ≈ 1e-10; 1e-6 leaves margin.
            const double H = 1e-5;
            for (int i = 0; i < x.Length; i++)
            {
                double[] plus = (double[])x.Clone();
                double[] minus = (double[])x.Clone();
                plus[i] += H;
                minus[i] -= H;
                Assert.Equal((Loss(plus, state) - Loss(minus, state)) / (2 * H), analytic.Dx[i], 1e-6);
            }

            for (int c = 0; c < channels; c++)
            {
                double[] gammaPlus = (double[])state.Gamma.Clone();
                double[] gammaMinus = (double[])state.Gamma.Clone();
                gammaPlus[c] += H;
                gammaMinus[c] -= H;
                Assert.Equal((Loss(x, state with { Gamma = gammaPlus }) - Loss(x, state with { Gamma = gammaMinus })) / (2 * H), analytic.Dgamma[c], 1e-6);

                double[] betaPlus = (double[])state.Beta.Clone();
                double[] betaMinus = (double[])state.Beta.Clone();
                betaPlus[c] += H;
                betaMinus[c] -= H;
                Assert.Equal((Loss(x, state with { Beta = betaPlus }) - Loss(x, state with { Beta = betaMinus })) / (2 * H), analytic.Dbeta[c], 1e-6);
            }
        }, iter: 200);
    }

    private static double[] Random(Random random, int length, double scale) =>
        [.. Enumerable.Range(0, length).Select(_ => scale * ((2 * random.NextDouble()) - 1))];

    /// <summary>Runs the example's forward in the named type and widens the results to double.</summary>
    private static RenormForwardResult<double> ForwardAs(string type, BatchNormOptions options, RenormLayerState<double> state, bool training = true) => type switch
    {
        "float32" => Widen(RenormLayerCall.Forward(s_reference, s_layout, options, training, [.. s_x.Select(v => (float)v)], RenormLayerState<float>.From(state))),
        "float16" => Widen(RenormLayerCall.Forward(s_reference, s_layout, options, training, [.. s_x.Select(v => (Half)v)], RenormLayerState<Half>.From(state))),
        _ => RenormLayerCall.Forward(s_reference, s_layout, options, training, s_x, state),
    };

    private static BackwardResult<double> BackwardAs(string type, BatchNormOptions options, RenormLayerState<double> state, double[] dy) => type switch
    {
        "float32" => Widen(RenormLayerCall.Backward(s_reference, s_layout, options, true, [.. s_x.Select(v => (float)v)], [.. dy.Select(v => (float)v)], RenormLayerState<float>.From(state))),
        "float16" => Widen(RenormLayerCall.Backward(s_reference, s_layout, options, true, [.. s_x.Select(v => (Half)v)], [.. dy.Select(v => (Half)v)], RenormLayerState<Half>.From(state))),
        _ => RenormLayerCall.Backward(s_reference, s_layout, options, true, s_x, dy, state),
    };

    private static RenormForwardResult<double> Widen<T>(RenormForwardResult<T> r)
        where T : IFloatingPointIeee754<T> =>
        new(Wide(r.Y), Wide(r.MovingMean), Wide(r.MovingVariance), Wide(r.MovingStddev), Wide(r.RenormMean), Wide(r.RenormStddev));

    private static BackwardResult<double> Widen<T>(BackwardResult<T> r)
        where T : IFloatingPointIeee754<T> =>
        new(Wide(r.Dx), Wide(r.Dgamma), Wide(r.Dbeta));

    private static double[] Wide<T>(T[] values)
        where T : IFloatingPointIeee754<T> => [.. values.Select(double.CreateTruncating)];

    /// <summary>
    /// float64: within 1e-14 of the exact value (see the error model above); float32 and float16: the exact value rounded
    /// once to the type.
    /// </summary>
    private static void AssertValues(string type, double[] exact, double[] actual, string what)
    {
        Assert.Equal(exact.Length, actual.Length);
        for (int i = 0; i < exact.Length; i++)
        {
            double expected = type switch
            {
                "float32" => (float)exact[i],
                "float16" => (double)(Half)exact[i],
                _ => exact[i],
            };
            double tolerance = type == "float64" ? 1e-14 : 0;
            Assert.True(
                Math.Abs(expected - actual[i]) <= tolerance,
                $"{type} {what}[{i}]: expected {expected:R}, got {actual[i]:R}");
        }
    }
}
