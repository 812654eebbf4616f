using System.Collections.Immutable;

namespace BatchNormAxis.FixtureGenerator;

/// <summary>
/// Turns a <see cref="CaseSpec"/> into a <see cref="FixtureCase"/>: synthesizes the inputs, asks oracle A (NumPy
/// float64) for the expected values, cross-checks them against oracle B (decimal), and attaches the tolerance of
/// every element from <see cref="ToleranceModel"/>.
/// </summary>
internal sealed class CaseBuilder(PythonOracle oracle)
{
    private static readonly double s_float64UnitRoundoff = Math.ScaleB(1.0, -53);

    public FixtureCase Build(CaseSpec spec) => spec.Kind switch
    {
        FixtureKind.Forward => BuildForward(spec),
        FixtureKind.Backward => BuildBackward(spec),
        FixtureKind.Sequence => BuildSequence(spec),
        _ => BuildInvalid(spec),
    };

    private FixtureCase BuildForward(CaseSpec spec)
    {
        AxisResolution layout = AxisResolution.Resolve(spec.Shape, spec.Axis);
        var random = new DeterministicRandom(DeterministicRandom.SeedFrom(spec.DataKey ?? spec.Id));
        double[] x = InputSynthesis.X(spec, layout, random);
        Weights weights = Weights.Synthesize(spec, layout, random);
        double[]? mask = spec.Masked ? InputSynthesis.Mask(spec, layout.ElementCount / spec.Shape[^1], random) : null;

        var inputs = weights.AsInputs(spec, layout);
        inputs["x"] = Tensor(spec.DType, spec.Shape, x);
        if (mask is not null)
        {
            inputs["mask"] = Tensor(FixtureDType.Bool, spec.Shape[..^1], mask);
        }

        ForwardResult result = ExpectForward(spec, layout, spec.Training, x, weights, mask, previous: null);
        return Case(spec, layout, inputs) with { Expected = result.Expected };
    }

    private FixtureCase BuildSequence(CaseSpec spec)
    {
        AxisResolution layout = AxisResolution.Resolve(spec.Shape, spec.Axis);
        var random = new DeterministicRandom(DeterministicRandom.SeedFrom(spec.DataKey ?? spec.Id));
        Weights weights = Weights.Synthesize(spec, layout, random);
        var inputs = weights.AsInputs(spec, layout);

        var steps = ImmutableArray.CreateBuilder<FixtureStep>();
        ForwardResult? previous = null;
        for (int step = 0; step <= spec.TrainingSteps; step++)
        {
            bool training = step < spec.TrainingSteps;
            double[] x = InputSynthesis.X(spec, layout, random);

            // The layer carries the moving statistics it produced: the expected ones of the previous call.
            Weights current = previous is null ? weights : weights with { MovingMean = previous.MovingMean, MovingVariance = previous.MovingVariance };
            ForwardResult result = ExpectForward(spec, layout, training, x, current, mask: null, previous);
            steps.Add(new FixtureStep(training, Tensor(spec.DType, spec.Shape, x), result.Expected));
            previous = result;
        }

        return Case(spec, layout, inputs) with { Steps = steps.ToImmutable() };
    }

    private FixtureCase BuildBackward(CaseSpec spec)
    {
        AxisResolution layout = AxisResolution.Resolve(spec.Shape, spec.Axis);
        var random = new DeterministicRandom(DeterministicRandom.SeedFrom(spec.DataKey ?? spec.Id));
        double[] x = InputSynthesis.X(spec, layout, random);
        Weights weights = Weights.Synthesize(spec, layout, random);
        double[] dy = InputSynthesis.Dy(spec, x.Length, random);
        bool useBatchStatistics = spec.Training && spec.Options.Trainable;

        var inputs = weights.AsInputs(spec, layout);
        inputs["x"] = Tensor(spec.DType, spec.Shape, x);
        inputs["dy"] = Tensor(spec.DType, spec.Shape, dy);

        double[] gamma = weights.EffectiveGamma(spec);
        Dictionary<string, double[]> a = oracle.Backward(false, x, dy, spec.Shape, layout.KeptAxes, gamma, weights.MovingMean, weights.MovingVariance, spec.Options.Epsilon, useBatchStatistics);
        Dictionary<string, double[]> b = oracle.Backward(true, x, dy, spec.Shape, layout.KeptAxes, gamma, weights.MovingMean, weights.MovingVariance, spec.Options.Epsilon, useBatchStatistics);

        ToleranceModel.CallInputs Call(double u) => new(layout, spec.Options, useBatchStatistics, u, x, gamma, new double[layout.ChannelCount], weights.MovingMean, weights.MovingVariance, a["mean"], a["variance"]);
        ToleranceModel.BackwardBounds exactBounds = ToleranceModel.Backward(Call(s_float64UnitRoundoff), dy, a["dx"]);
        CrossCheck(spec, "dx", a["dx"], b["dx"], exactBounds.Dx);
        CrossCheck(spec, "dgamma", a["dgamma"], b["dgamma"], exactBounds.Dgamma);
        CrossCheck(spec, "dbeta", a["dbeta"], b["dbeta"], exactBounds.Dbeta);

        ToleranceModel.BackwardBounds bounds = ToleranceModel.Backward(Call(DTypes.ComputeUnitRoundoff(spec.DType)), dy, a["dx"]);
        var expected = ImmutableSortedDictionary.CreateBuilder<string, ExpectedTensor>(StringComparer.Ordinal);
        expected["dx"] = Expect(spec, "dx", spec.Shape, a["dx"], bounds.Dx);
        if (spec.Options.Scale)
        {
            expected["dgamma"] = Expect(spec, "dgamma", [.. layout.ParameterShape], a["dgamma"], bounds.Dgamma);
        }

        if (spec.Options.Center)
        {
            expected["dbeta"] = Expect(spec, "dbeta", [.. layout.ParameterShape], a["dbeta"], bounds.Dbeta);
        }

        return Case(spec, layout, inputs) with { Expected = expected.ToImmutable() };
    }

    private static FixtureCase BuildInvalid(CaseSpec spec)
    {
        var random = new DeterministicRandom(DeterministicRandom.SeedFrom(spec.Id));
        int count = spec.Shape.Aggregate(1, (p, d) => p * d);
        var inputs = new SortedDictionary<string, FixtureTensor>(StringComparer.Ordinal)
        {
            ["x"] = Tensor(spec.DType, spec.Shape, [.. Enumerable.Range(0, count).Select(_ => DTypes.Round(spec.DType, random.NextNormal()))]),
        };

        AxisResolution? layout = null;
        try
        {
            layout = AxisResolution.Resolve(spec.Shape, spec.Axis);
        }
        catch (BatchNormArgumentException)
        {
            // Expected for axis errors: the case has no kept axes, and no weights.
        }

        if (layout is not null)
        {
            Weights weights = Weights.Synthesize(spec, layout, random);
            foreach ((string name, FixtureTensor tensor) in weights.AsInputs(spec, layout))
            {
                inputs[name] = tensor;
            }

            if (spec.GammaShape is { } gammaShape)
            {
                int gammaCount = gammaShape.Aggregate(1, (p, d) => p * d);
                inputs["gamma"] = Tensor(spec.DType, gammaShape, InputSynthesis.Gamma(spec, gammaCount, random));
            }
        }

        if (spec.MaskShape is { } maskShape)
        {
            inputs["mask"] = Tensor(FixtureDType.Bool, maskShape, InputSynthesis.Mask(spec, maskShape.Aggregate(1, (p, d) => p * d), random));
        }

        return new FixtureCase
        {
            Id = spec.Id,
            Kind = FixtureKind.Invalid,
            Title = spec.Title,
            DType = spec.DType,
            Shape = [.. spec.Shape],
            Axis = spec.Axis,
            KeptAxes = layout is null ? [] : layout.KeptAxes,
            Options = spec.Options,
            Training = spec.Training,
            Capabilities = Capabilities(spec, layout),
            Inputs = inputs.ToImmutableSortedDictionary(StringComparer.Ordinal),
            ExpectedError = spec.ExpectedError,
        };
    }

    /// <summary>Expected y and moving statistics of one call, cross-checked and with tolerances.</summary>
    private ForwardResult ExpectForward(CaseSpec spec, AxisResolution layout, bool training, double[] x, Weights weights, double[]? mask, ForwardResult? previous)
    {
        bool useBatchStatistics = training && spec.Options.Trainable;
        double[] gamma = weights.EffectiveGamma(spec);
        double[] beta = weights.EffectiveBeta(spec);
        Dictionary<string, double[]> a = oracle.Forward(false, x, spec.Shape, layout.KeptAxes, gamma, beta, weights.MovingMean, weights.MovingVariance, spec.Options.Momentum, spec.Options.Epsilon, useBatchStatistics, mask);
        Dictionary<string, double[]> b = oracle.Forward(true, x, spec.Shape, layout.KeptAxes, gamma, beta, weights.MovingMean, weights.MovingVariance, spec.Options.Momentum, spec.Options.Epsilon, useBatchStatistics, mask);

        double[]? maskWeights = mask is null ? null : [.. Enumerable.Range(0, x.Length).Select(i => mask[i / spec.Shape[^1]])];
        ToleranceModel.CallInputs Call(double u) => new(layout, spec.Options, useBatchStatistics, u, x, gamma, beta, weights.MovingMean, weights.MovingVariance, a["mean"], a["variance"], maskWeights);

        ToleranceModel.ForwardBounds exactBounds = ToleranceModel.Forward(Call(s_float64UnitRoundoff));
        CrossCheck(spec, "y", a["y"], b["y"], exactBounds.Y);
        CrossCheck(spec, "moving_mean", a["moving_mean"], b["moving_mean"], exactBounds.MovingMean);
        CrossCheck(spec, "moving_variance", a["moving_variance"], b["moving_variance"], exactBounds.MovingVariance);

        ToleranceModel.ForwardBounds bounds = ToleranceModel.Forward(Call(DTypes.ComputeUnitRoundoff(spec.DType)));
        double[] yBound = bounds.Y;
        double[] movingMeanTolerance;
        double[] movingVarianceTolerance;
        int[] parameterShape = [.. layout.ParameterShape];
        if (useBatchStatistics)
        {
            // The layer's moving statistics going in may differ from the expected ones by the previous call's
            // tolerance; the update scales that difference by the momentum.
            double momentum = spec.Options.Momentum;
            double[] movingMeanBound = [.. bounds.MovingMean.Select((e, c) => e + (momentum * (previous?.MovingMeanTolerance[c] ?? 0)))];
            double[] movingVarianceBound = [.. bounds.MovingVariance.Select((e, c) => e + (momentum * (previous?.MovingVarianceTolerance[c] ?? 0)))];
            movingMeanTolerance = Finalize(spec, "moving_mean", a["moving_mean"], movingMeanBound);
            movingVarianceTolerance = Finalize(spec, "moving_variance", a["moving_variance"], movingVarianceBound);
        }
        else
        {
            // Unchanged moving statistics must come back exactly, unless a previous call's tolerance carries over.
            movingMeanTolerance = previous?.MovingMeanTolerance ?? new double[layout.ChannelCount];
            movingVarianceTolerance = previous?.MovingVarianceTolerance ?? new double[layout.ChannelCount];
            if (previous is not null)
            {
                // y was normalized with carried-over statistics: their tolerance moves y too.
                int[] channelOf = layout.ChannelOfEachElement();
                yBound = [.. yBound.Select((e, i) =>
                {
                    int c = channelOf[i];
                    double deviation = Math.Sqrt(weights.MovingVariance[c] + spec.Options.Epsilon);
                    double normalized = (x[i] - weights.MovingMean[c]) / deviation;
                    return e + (Math.Abs(gamma[c]) * movingMeanTolerance[c] / deviation)
                        + (Math.Abs(gamma[c] * normalized) * movingVarianceTolerance[c] / (2 * (weights.MovingVariance[c] + spec.Options.Epsilon)));
                })];
            }
        }

        var expected = ImmutableSortedDictionary.CreateBuilder<string, ExpectedTensor>(StringComparer.Ordinal);
        expected["y"] = Expect(spec, "y", spec.Shape, a["y"], yBound);
        expected["moving_mean"] = new ExpectedTensor(spec.DType, [.. parameterShape], Rounded(spec.DType, a["moving_mean"]), a["moving_mean"], movingMeanTolerance);
        expected["moving_variance"] = new ExpectedTensor(spec.DType, [.. parameterShape], Rounded(spec.DType, a["moving_variance"]), a["moving_variance"], movingVarianceTolerance);
        return new ForwardResult(
            expected.ToImmutable(),
            Rounded(spec.DType, a["moving_mean"]),
            Rounded(spec.DType, a["moving_variance"]),
            movingMeanTolerance,
            movingVarianceTolerance);
    }

    /// <summary>Refuses the case if oracle A strays from oracle B by more than A's own float64 error bound.</summary>
    private static void CrossCheck(CaseSpec spec, string output, double[] a, double[] b, double[] bound)
    {
        for (int i = 0; i < a.Length; i++)
        {
            bool agree = double.IsNaN(a[i]) || double.IsNaN(b[i])
                ? double.IsNaN(a[i]) && double.IsNaN(b[i])
                : double.IsInfinity(a[i]) || double.IsInfinity(b[i])
                    ? a[i] == b[i]
                    : Math.Abs(a[i] - b[i]) <= ToleranceModel.Finalize(bound[i], a[i], FixtureDType.Float64);
            if (!agree)
            {
                throw new GeneratorException($"{spec.Id}: the oracles disagree at {output}[{i}]: NumPy float64 {a[i]:R}, decimal {b[i]:R}, allowed {ToleranceModel.Finalize(bound[i], a[i], FixtureDType.Float64):R}");
            }
        }
    }

    private static ExpectedTensor Expect(CaseSpec spec, string output, int[] shape, double[] reference, double[] bound) =>
        new(spec.DType, [.. shape], Rounded(spec.DType, reference), reference, Finalize(spec, output, reference, bound));

    private static double[] Finalize(CaseSpec spec, string output, double[] reference, double[] bound)
    {
        double[] tolerance = new double[reference.Length];
        for (int i = 0; i < reference.Length; i++)
        {
            tolerance[i] = ToleranceModel.Finalize(bound[i], reference[i], spec.DType);
            if (!double.IsFinite(tolerance[i]))
            {
                throw new GeneratorException($"{spec.Id}: the tolerance of {output}[{i}] is {tolerance[i]} (reference {reference[i]:R}): the error model does not apply to this data");
            }
        }

        return tolerance;
    }

    private static double[] Rounded(FixtureDType dtype, double[] values) => InputSynthesis.Rounded(dtype, values);

    private static FixtureTensor Tensor(FixtureDType dtype, int[] shape, double[] values) => new(dtype, [.. shape], values);

    private static FixtureCase Case(CaseSpec spec, AxisResolution layout, SortedDictionary<string, FixtureTensor> inputs) => new()
    {
        Id = spec.Id,
        Kind = spec.Kind,
        Title = spec.Title,
        DType = spec.DType,
        Shape = [.. spec.Shape],
        Axis = spec.Axis,
        KeptAxes = layout.KeptAxes,
        Options = spec.Options,
        Training = spec.Training,
        Capabilities = Capabilities(spec, layout),
        Inputs = inputs.ToImmutableSortedDictionary(StringComparer.Ordinal),
    };

    /// <summary>What an implementation needs to run the case; harnesses declare these (docs/fixtures.md).</summary>
    private static ImmutableArray<string> Capabilities(CaseSpec spec, AxisResolution? layout)
    {
        var capabilities = new List<string>();
        if (spec.Kind == FixtureKind.Invalid)
        {
            capabilities.Add("errors");
        }
        else
        {
            capabilities.Add(FixtureModes.Of(spec.Training, spec.Options.Trainable));
            if (spec.Kind == FixtureKind.Sequence)
            {
                capabilities.Add("inference");
                capabilities.Add("sequence");
            }

            if (spec.Kind == FixtureKind.Backward)
            {
                capabilities.Add("backward");
            }
        }

        if (spec.Axis.IsList)
        {
            capabilities.Add("list_axis");
        }

        if (layout is { KeptAxes.Length: > 1 })
        {
            capabilities.Add("multi_axis");
        }

        if (spec.Masked)
        {
            capabilities.Add("mask");
        }

        return [.. capabilities.Distinct()];
    }

    /// <summary>The results of one call that a following call in a sequence needs.</summary>
    private sealed record ForwardResult(
        ImmutableSortedDictionary<string, ExpectedTensor> Expected,
        double[] MovingMean,
        double[] MovingVariance,
        double[] MovingMeanTolerance,
        double[] MovingVarianceTolerance);

    /// <summary>The layer's weights, always synthesized in the same order so the inputs do not depend on center/scale.</summary>
    private sealed record Weights(double[] Gamma, double[] Beta, double[] MovingMean, double[] MovingVariance)
    {
        public static Weights Synthesize(CaseSpec spec, AxisResolution layout, DeterministicRandom random)
        {
            int channels = layout.ChannelCount;
            return new Weights(
                InputSynthesis.Gamma(spec, channels, random),
                InputSynthesis.Beta(spec, channels, random),
                InputSynthesis.MovingMean(spec, channels, random),
                InputSynthesis.MovingVariance(spec, channels, random));
        }

        public double[] EffectiveGamma(CaseSpec spec) => spec.Options.Scale ? Gamma : [.. Gamma.Select(_ => 1.0)];

        public double[] EffectiveBeta(CaseSpec spec) => spec.Options.Center ? Beta : [.. Beta.Select(_ => 0.0)];

        /// <summary>The weights as case inputs, in the compact parameter shape; gamma and beta only if the layer has them.</summary>
        public SortedDictionary<string, FixtureTensor> AsInputs(CaseSpec spec, AxisResolution layout)
        {
            int[] shape = [.. layout.ParameterShape];
            var inputs = new SortedDictionary<string, FixtureTensor>(StringComparer.Ordinal)
            {
                ["moving_mean"] = Tensor(spec.DType, shape, MovingMean),
                ["moving_variance"] = Tensor(spec.DType, shape, MovingVariance),
            };
            if (spec.Options.Scale)
            {
                inputs["gamma"] = Tensor(spec.DType, shape, Gamma);
            }

            if (spec.Options.Center)
            {
                inputs["beta"] = Tensor(spec.DType, shape, Beta);
            }

            return inputs;
        }
    }
}
