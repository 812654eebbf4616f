using CsCheck;

namespace BatchNormAxis.Tests;

/// <summary>
/// The backward pass against central finite differences of the forward pass, in float64, on random shapes,
/// keep-sets, hyperparameters and modes; plus the identities the gradient must satisfy.
/// </summary>
public class ScalarBackwardTests
{
    private static readonly IBatchNormalization s_reference = ScalarBatchNorm.Instance;

    /// <summary>A random problem: shape (rank 1 to 4), keep-set, epsilon, mode, data.</summary>
    private sealed record Problem(
        AxisResolution Layout,
        BatchNormOptions Options,
        bool Training,
        double[] X,
        double[] Dy,
        double[] Gamma,
        double[] Beta,
        double[] MovingMean,
        double[] MovingVariance)
    {
        public override string ToString() =>
            $"shape {ShapeText.Tuple(Layout.Shape.AsSpan())} axis={Layout.Axis} training={Training} trainable={Options.Trainable} epsilon={Options.Epsilon}";
    }

    private static readonly Gen<Problem> s_problems =
        from rank in Gen.Int[1, 4]
        from shape in Gen.Int[1, 4].Array[rank]
        from keptMask in Gen.Int[1, (1 << rank) - 1]
        from epsilon in Gen.Int[0, 2].Select(i => new[] { 1e-3, 1e-2, 0.1 }[i])
        from mode in Gen.Int[0, 2]
        from seed in Gen.Int
        select CreateProblem(shape, keptMask, epsilon, mode, seed);

    [Fact]
    public void Gradients_MatchCentralFiniteDifferences()
    {
        s_problems.Sample(problem =>
        {
            BackwardResult<double> analytic = LayerCall.Backward(
                s_reference, problem.Layout, problem.Options, problem.Training, problem.X, problem.Dy,
                problem.Gamma, problem.Beta, problem.MovingMean, problem.MovingVariance);

            for (int i = 0; i < problem.X.Length; i++)
            {
                AssertMatchesNumericDerivative(analytic.Dx[i], problem, p => p.X, i, $"dx[{i}]");
            }

            for (int c = 0; c < problem.Layout.ChannelCount; c++)
            {
                AssertMatchesNumericDerivative(analytic.Dgamma[c], problem, p => p.Gamma, c, $"dgamma[{c}]");
                AssertMatchesNumericDerivative(analytic.Dbeta[c], problem, p => p.Beta, c, $"dbeta[{c}]");
            }
        }, iter: 300);
    }

    [Fact]
    public void TrainingGradient_SumsToZeroOverEachChannel()
    {
        // Shifting a whole channel by a constant leaves its normalized output unchanged, so dx has no component
        // along that direction: the sum of dx over the reduction axes is 0, up to float64 rounding of the terms.
        s_problems.Where(p => p.Training && p.Options.Trainable).Sample(problem =>
        {
            BackwardResult<double> result = LayerCall.Backward(
                s_reference, problem.Layout, problem.Options, training: true, problem.X, problem.Dy,
                problem.Gamma, problem.Beta, problem.MovingMean, problem.MovingVariance);

            double[] sum = new double[problem.Layout.ChannelCount];
            double[] sumOfMagnitudes = new double[problem.Layout.ChannelCount];
            int[] channelOf = ChannelOf(problem.Layout);
            for (int i = 0; i < result.Dx.Length; i++)
            {
                sum[channelOf[i]] += result.Dx[i];
                sumOfMagnitudes[channelOf[i]] += Math.Abs(result.Dx[i]) + Math.Abs(problem.Dy[i] * problem.Gamma[channelOf[i]] / Math.Sqrt(problem.Options.Epsilon));
            }

            for (int c = 0; c < sum.Length; c++)
            {
                Assert.True(
                    Math.Abs(sum[c]) <= 64 * double.Epsilon + (1e-13 * sumOfMagnitudes[c]),
                    $"{problem}: sum of dx over channel {c} is {sum[c]:R}");
            }
        }, iter: 300);
    }

    [Fact]
    public void InferenceGradient_IsGammaOverStandardDeviationTimesDy()
    {
        AxisResolution layout = AxisResolution.Resolve([2, 3], AxisSpec.Of(0));
        double[] x = [1, 2, 3, 4, 5, 6];
        double[] dy = [0.5, -1, 2, 0.25, 3, -2];

        foreach ((bool training, bool trainable) in new[] { (false, true), (true, false), (false, false) })
        {
            BackwardResult<double> result = LayerCall.Backward(
                s_reference, layout, new BatchNormOptions { Trainable = trainable, Epsilon = 0.5 }, training, x, dy,
                gamma: [2, -3], beta: [7, 8], movingMean: [1, -1], movingVariance: [1.5, 3.5]);

            // Moving variance + epsilon is 2 and 4: standard deviations sqrt(2) and 2.
            double[] expectedDx = [.. dy.Select((g, i) => i < 3 ? 2 * g / Math.Sqrt(2) : -3 * g / 2)];
            Assert.Equal(expectedDx, result.Dx, (a, b) => Math.Abs(a - b) <= 1e-15 * Math.Max(1, Math.Abs(a)));
            Assert.Equal((0.5 * 0 / Math.Sqrt(2)) + (-1 * 1 / Math.Sqrt(2)) + (2 * 2 / Math.Sqrt(2)), result.Dgamma[0], 14);
            Assert.Equal((0.25 * 5 / 2) + (3 * 6 / 2) + (-2 * 7 / 2.0), result.Dgamma[1], 14);
            Assert.Equal([1.5, 1.25], result.Dbeta);
        }
    }

    [Fact]
    public void CenterAndScaleOff_GiveNoParameterGradients()
    {
        AxisResolution layout = AxisResolution.Resolve([4, 2], AxisSpec.Default);
        var options = new BatchNormOptions { Center = false, Scale = false };
        double[] x = [1, 2, 3, 4, 5, 7, 0, -1];
        double[] dy = [1, 0, -1, 2, 0.5, 1, 3, -2];

        BackwardResult<double> without = LayerCall.Backward(s_reference, layout, options, training: true, x, dy);
        BackwardResult<double> identity = LayerCall.Backward(s_reference, layout, BatchNormOptions.Default, training: true, x, dy);

        Assert.Empty(without.Dgamma);
        Assert.Empty(without.Dbeta);
        Assert.Equal(identity.Dx, without.Dx);
    }

    [Fact]
    public void OneElementPerChannel_TrainingGradientIsZero()
    {
        // Rank 1: each element is its own channel, so y = beta whatever x is.
        AxisResolution layout = AxisResolution.Resolve([3], AxisSpec.Default);
        BackwardResult<float> result = LayerCall.Backward(
            s_reference, layout, BatchNormOptions.Default, training: true, [1f, 5f, -2f], [1f, 2f, 3f]);

        Assert.Equal([0f, 0f, 0f], result.Dx);
        Assert.Equal([0f, 0f, 0f], result.Dgamma);
        Assert.Equal([1f, 2f, 3f], result.Dbeta);
    }

    /// <summary>
    /// Central difference of L = sum(dy * y) with a step h relative to the parameter's size. Its error is the
    /// truncation term h^2 f'''/6 plus rounding eps*|L|/h; h = 1e-5 balances them near 1e-10 for these
    /// well-conditioned problems (epsilon of 1e-3 or more keeps 1/std at most 32), and the bound leaves a factor 100 of margin.
    /// </summary>
    private static void AssertMatchesNumericDerivative(double analytic, Problem problem, Func<Problem, double[]> select, int index, string what)
    {
        double[] values = select(problem);
        double original = values[index];
        double step = 1e-5 * Math.Max(1, Math.Abs(original));

        values[index] = original + step;
        double lossUp = Loss(problem);
        values[index] = original - step;
        double lossDown = Loss(problem);
        values[index] = original;

        double numeric = (lossUp - lossDown) / (2 * step);
        double scale = 1 + Math.Abs(numeric) + problem.Dy.Sum(Math.Abs);
        Assert.True(
            Math.Abs(analytic - numeric) <= 1e-6 * scale,
            $"{problem}: {what} analytic {analytic:R}, finite difference {numeric:R}");
    }

    /// <summary>The scalar loss whose gradient the backward pass computes: L = sum(dy * y), dy held fixed.</summary>
    private static double Loss(Problem problem)
    {
        ForwardResult<double> forward = LayerCall.Forward(
            s_reference, problem.Layout, problem.Options, problem.Training, problem.X,
            problem.Gamma, problem.Beta, problem.MovingMean, problem.MovingVariance);
        double loss = 0;
        for (int i = 0; i < forward.Y.Length; i++)
        {
            loss += problem.Dy[i] * forward.Y[i];
        }

        return loss;
    }

    private static Problem CreateProblem(int[] shape, int keptMask, double epsilon, int mode, int seed)
    {
        var random = new Random(seed);
        int[] kept = [.. Enumerable.Range(0, shape.Length).Where(a => (keptMask & (1 << a)) != 0)];
        AxisResolution layout = AxisResolution.Resolve(shape, AxisSpec.List(kept));
        int channels = layout.ChannelCount;

        // mode 0: training; 1: inference; 2: frozen (training call, trainable=false).
        var options = new BatchNormOptions { Epsilon = epsilon, Trainable = mode != 2 };
        return new Problem(
            layout,
            options,
            Training: mode != 1,
            X: Normal(random, layout.ElementCount, 2),
            Dy: Normal(random, layout.ElementCount, 1),
            Gamma: Normal(random, channels, 1),
            Beta: Normal(random, channels, 1),
            MovingMean: Normal(random, channels, 1),
            MovingVariance: [.. Normal(random, channels, 1).Select(v => (v * v) + 0.1)]);
    }

    private static double[] Normal(Random random, int count, double scale) =>
        [.. Enumerable.Range(0, count).Select(_ => scale * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))];

    /// <summary>The channel of each element, computed the obvious way from coordinates (independently of the reference).</summary>
    private static int[] ChannelOf(AxisResolution layout)
    {
        int[] channelOf = new int[layout.ElementCount];
        for (int flat = 0; flat < channelOf.Length; flat++)
        {
            int remainder = flat;
            int[] index = new int[layout.Rank];
            for (int a = layout.Rank - 1; a >= 0; a--)
            {
                index[a] = remainder % layout.Shape[a];
                remainder /= layout.Shape[a];
            }

            channelOf[flat] = layout.KeptAxes.Aggregate(0, (channel, a) => (channel * layout.Shape[a]) + index[a]);
        }

        return channelOf;
    }
}
