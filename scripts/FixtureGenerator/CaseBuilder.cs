using System.Collections.Immutable;

namespace BatchNormAxis.FixtureGenerator;

/// <summary>
/// Turns a <see cref="CaseSpec"/> into a <see cref="FixtureCase"/>: synthesizes the inputs, asks oracle A (NumPy
/// float64) for the expected values, cross-checks them against oracle B (decimal), and attaches the tolerance of
/// every element from <see cref="ToleranceModel"/>.
/// </summary>
internal sealed class CaseBuilder(PythonOracle oracle)
{
    /// <summary>The largest disagreement of the oracles seen so far, per family.</summary>
    public OracleAgreement Agreement { get; } = new();

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

        ForwardResult result = Expect(spec, layout, spec.Training, x, weights, mask, previous: null);
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
            Weights current = previous is null ? weights : weights with
            {
                MovingMean = previous.MovingMean,
                MovingVariance = previous.MovingVariance,
                MovingStddev = previous.Renorm?.MovingStddev,
                RenormMean = previous.Renorm?.RenormMean,
                RenormStddev = previous.Renorm?.RenormStddev,
            };
            ForwardResult result = Expect(spec, layout, training, x, current, mask: null, previous);
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

        // r and d change a training call's gradients only; otherwise a renorm layer's are those without renorm.
        RenormOptions? renorm = useBatchStatistics ? spec.Options.Renorm : null;
        Dictionary<string, double[]> Oracle(bool exact) => renorm is null
            ? oracle.Backward(exact, x, dy, spec.Shape, layout.KeptAxes, gamma, weights.MovingMean, weights.MovingVariance, spec.Options.Epsilon, useBatchStatistics)
            : oracle.BackwardRenorm(exact, x, dy, spec.Shape, layout.KeptAxes, gamma, weights.RenormMean!, weights.RenormStddev!, spec.Options.Epsilon, renorm);
        Dictionary<string, double[]> a = Oracle(exact: false);
        Dictionary<string, double[]> b = Oracle(exact: true);

        ToleranceModel.BackwardBounds Bounds(double u)
        {
            var call = new ToleranceModel.CallInputs(layout, spec.Options, useBatchStatistics, u, x, gamma, new double[layout.ChannelCount], weights.MovingMean, weights.MovingVariance, a["mean"], a["variance"]);
            return renorm is null
                ? ToleranceModel.Backward(call, dy, a["dx"])
                : ToleranceModel.RenormBackward(call, new ToleranceModel.RenormState(renorm, weights.MovingStddev!, weights.RenormMean!, weights.RenormStddev!), dy, a["dx"]);
        }

        ToleranceModel.BackwardBounds exactBounds = Bounds(s_float64UnitRoundoff);
        CrossCheck(spec, "dx", a["dx"], b["dx"], exactBounds.Dx);
        CrossCheck(spec, "dgamma", a["dgamma"], b["dgamma"], exactBounds.Dgamma);
        CrossCheck(spec, "dbeta", a["dbeta"], b["dbeta"], exactBounds.Dbeta);
        if (renorm is not null)
        {
            CheckClipping(spec, a, renorm, weights.RenormMean!, weights.RenormStddev!);
        }

        ToleranceModel.BackwardBounds bounds = Bounds(DTypes.ComputeUnitRoundoff(spec.DType));
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
        var random = new DeterministicRandom(DeterministicRandom.SeedFrom(spec.DataKey ?? spec.Id));
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

    private ForwardResult Expect(CaseSpec spec, AxisResolution layout, bool training, double[] x, Weights weights, double[]? mask, ForwardResult? previous) =>
        spec.Options.Renorm is null
            ? ExpectForward(spec, layout, training, x, weights, mask, previous)
            : ExpectRenormForward(spec, layout, training, x, weights, mask, previous);

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
                yBound = WithCarriedStatistics(spec, layout, x, weights, gamma, yBound, previous);
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

    /// <summary>y of a call that normalized with carried-over moving statistics: their tolerance moves y too.</summary>
    private static double[] WithCarriedStatistics(CaseSpec spec, AxisResolution layout, double[] x, Weights weights, double[] gamma, double[] yBound, ForwardResult previous)
    {
        int[] channelOf = layout.ChannelOfEachElement();
        return [.. yBound.Select((e, i) =>
        {
            int c = channelOf[i];
            double deviation = Math.Sqrt(weights.MovingVariance[c] + spec.Options.Epsilon);
            double normalized = (x[i] - weights.MovingMean[c]) / deviation;
            return e + (Math.Abs(gamma[c]) * previous.MovingMeanTolerance[c] / deviation)
                + (Math.Abs(gamma[c] * normalized) * previous.MovingVarianceTolerance[c] / (2 * (weights.MovingVariance[c] + spec.Options.Epsilon)));
        })];
    }

    /// <summary>
    /// One call of a renormalizing layer: a training call on a trainable layer corrects by r and d and updates five
    /// statistics (docs/renorm.md); any other call is the call without renorm, every statistic copied.
    /// </summary>
    private ForwardResult ExpectRenormForward(CaseSpec spec, AxisResolution layout, bool training, double[] x, Weights weights, double[]? mask, ForwardResult? previous)
    {
        RenormOptions renorm = spec.Options.Renorm!;
        bool useBatchStatistics = training && spec.Options.Trainable;
        double[] gamma = weights.EffectiveGamma(spec);
        double[] beta = weights.EffectiveBeta(spec);
        var held = new RenormWeights(weights.MovingMean, weights.MovingVariance, weights.MovingStddev!, weights.RenormMean!, weights.RenormStddev!);
        Dictionary<string, double[]> a = oracle.ForwardRenorm(false, x, spec.Shape, layout.KeptAxes, gamma, beta, held, spec.Options.Momentum, spec.Options.Epsilon, renorm, useBatchStatistics, mask);
        Dictionary<string, double[]> b = oracle.ForwardRenorm(true, x, spec.Shape, layout.KeptAxes, gamma, beta, held, spec.Options.Momentum, spec.Options.Epsilon, renorm, useBatchStatistics, mask);

        double[]? maskWeights = mask is null ? null : [.. Enumerable.Range(0, x.Length).Select(i => mask[i / spec.Shape[^1]])];
        ToleranceModel.CallInputs Call(double u) => new(layout, spec.Options, useBatchStatistics, u, x, gamma, beta, weights.MovingMean, weights.MovingVariance, a["mean"], a["variance"], maskWeights);
        string[] names = ["y", "moving_mean", "moving_variance", .. RenormStatistics.Names];
        double u = DTypes.ComputeUnitRoundoff(spec.DType);
        var tolerance = new Dictionary<string, double[]>(StringComparer.Ordinal);
        if (useBatchStatistics)
        {
            ToleranceModel.RenormForwardBounds exact = ToleranceModel.RenormForward(Call(s_float64UnitRoundoff), new ToleranceModel.RenormState(renorm, held.MovingStddev, held.RenormMean, held.RenormStddev));
            Dictionary<string, double[]> exactBounds = RenormBoundsByName(exact);
            foreach (string name in names)
            {
                CrossCheck(spec, name, a[name], b[name], exactBounds[name]);
            }

            if (previous is null)
            {
                CheckClipping(spec, a, renorm, held.RenormMean, held.RenormStddev);
            }

            // The layer's statistics going in may differ from the expected ones by the previous call's tolerance.
            var state = new ToleranceModel.RenormState(renorm, held.MovingStddev, held.RenormMean, held.RenormStddev, previous?.Renorm?.MovingStddevTolerance, previous?.Renorm?.RenormMeanTolerance, previous?.Renorm?.RenormStddevTolerance);
            Dictionary<string, double[]> bounds = RenormBoundsByName(ToleranceModel.RenormForward(Call(u), state));
            bounds["moving_mean"] = [.. bounds["moving_mean"].Select((e, c) => e + (spec.Options.Momentum * (previous?.MovingMeanTolerance[c] ?? 0)))];
            foreach (string name in names)
            {
                tolerance[name] = Finalize(spec, name, a[name], bounds[name]);
            }
        }
        else
        {
            ToleranceModel.ForwardBounds exact = ToleranceModel.Forward(Call(s_float64UnitRoundoff));
            CrossCheck(spec, "y", a["y"], b["y"], exact.Y);
            foreach (string name in names.Skip(1))
            {
                CrossCheck(spec, name, a[name], b[name], new double[layout.ChannelCount]);
            }

            ToleranceModel.ForwardBounds bounds = ToleranceModel.Forward(Call(u));
            tolerance["y"] = Finalize(spec, "y", a["y"], previous is null ? bounds.Y : WithCarriedStatistics(spec, layout, x, weights, gamma, bounds.Y, previous));

            // Copied statistics come back exactly, unless a previous call's tolerance carries over.
            tolerance["moving_mean"] = previous?.MovingMeanTolerance ?? new double[layout.ChannelCount];
            tolerance["moving_variance"] = previous?.MovingVarianceTolerance ?? new double[layout.ChannelCount];
            tolerance["moving_stddev"] = previous?.Renorm?.MovingStddevTolerance ?? new double[layout.ChannelCount];
            tolerance["renorm_mean"] = previous?.Renorm?.RenormMeanTolerance ?? new double[layout.ChannelCount];
            tolerance["renorm_stddev"] = previous?.Renorm?.RenormStddevTolerance ?? new double[layout.ChannelCount];
        }

        var expected = ImmutableSortedDictionary.CreateBuilder<string, ExpectedTensor>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            int[] shape = name == "y" ? spec.Shape : [.. layout.ParameterShape];
            expected[name] = new ExpectedTensor(spec.DType, [.. shape], Rounded(spec.DType, a[name]), a[name], tolerance[name]);
        }

        return new ForwardResult(
            expected.ToImmutable(),
            Rounded(spec.DType, a["moving_mean"]),
            Rounded(spec.DType, a["moving_variance"]),
            tolerance["moving_mean"],
            tolerance["moving_variance"],
            new RenormCarry(
                Rounded(spec.DType, a["moving_stddev"]),
                Rounded(spec.DType, a["renorm_mean"]),
                Rounded(spec.DType, a["renorm_stddev"]),
                tolerance["moving_stddev"],
                tolerance["renorm_mean"],
                tolerance["renorm_stddev"]));
    }

    private static Dictionary<string, double[]> RenormBoundsByName(ToleranceModel.RenormForwardBounds bounds) => new(StringComparer.Ordinal)
    {
        ["y"] = bounds.Y,
        ["moving_mean"] = bounds.MovingMean,
        ["moving_variance"] = bounds.MovingVariance,
        ["moving_stddev"] = bounds.MovingStddev,
        ["renorm_mean"] = bounds.RenormMean,
        ["renorm_stddev"] = bounds.RenormStddev,
    };

    /// <summary>
    /// A case that sets clip bounds must show them working: each bound clips at least one channel and leaves at
    /// least one alone (else the case could not tell a missing clip from a present one). r0 and d0 are recomputed
    /// from the oracle's statistics; the oracle's r and d are the clipped ones.
    /// </summary>
    private static void CheckClipping(CaseSpec spec, Dictionary<string, double[]> a, RenormOptions renorm, double[] renormMean, double[] renormStddev)
    {
        if (!spec.ClippingMustBite)
        {
            return;
        }

        int channels = a["r"].Length;
        double[] sigma = [.. renormStddev.Select(s => Math.Max(s, Math.Sqrt(spec.Options.Epsilon)))];
        double[] r0 = [.. Enumerable.Range(0, channels).Select(c => Math.Sqrt(a["variance"][c] + spec.Options.Epsilon) / sigma[c])];
        double[] d0 = [.. Enumerable.Range(0, channels).Select(c => (a["mean"][c] - renormMean[c]) / sigma[c])];
        foreach ((string name, double? bound, Func<int, bool> clips) in new (string, double?, Func<int, bool>)[]
        {
            ("rmin", renorm.RMin, c => r0[c] < renorm.RMin),
            ("rmax", renorm.RMax, c => r0[c] > renorm.RMax),
            ("dmax", renorm.DMax, c => Math.Abs(d0[c]) > renorm.DMax),
        })
        {
            int clipped = bound is null ? 0 : Enumerable.Range(0, channels).Count(clips);
            if (bound is not null && (clipped == 0 || clipped == channels))
            {
                throw new GeneratorException($"{spec.Id}: {name}={bound} clips {clipped} of {channels} channels: expected some but not all (r0 = [{string.Join(", ", r0.Select(v => v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)))}], d0 = [{string.Join(", ", d0.Select(v => v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)))}])");
            }
        }
    }

    /// <summary>Refuses the case if oracle A strays from oracle B by more than A's own float64 error bound.</summary>
    private void CrossCheck(CaseSpec spec, string output, double[] a, double[] b, double[] bound)
    {
        for (int i = 0; i < a.Length; i++)
        {
            if (double.IsFinite(a[i]) && double.IsFinite(b[i]))
            {
                Agreement.Record(spec, output, i, Math.Abs(a[i] - b[i]), ToleranceModel.Finalize(bound[i], a[i], FixtureDType.Float64));
            }

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

        if (spec.Options.Renorm is not null && spec.Kind != FixtureKind.Invalid)
        {
            capabilities.Add("renorm");
        }

        return [.. capabilities.Distinct()];
    }

    /// <summary>The results of one call that a following call in a sequence needs.</summary>
    private sealed record ForwardResult(
        ImmutableSortedDictionary<string, ExpectedTensor> Expected,
        double[] MovingMean,
        double[] MovingVariance,
        double[] MovingMeanTolerance,
        double[] MovingVarianceTolerance,
        RenormCarry? Renorm = null);

    /// <summary>A renormalizing layer's three more statistics after a call, and their tolerances.</summary>
    private sealed record RenormCarry(
        double[] MovingStddev,
        double[] RenormMean,
        double[] RenormStddev,
        double[] MovingStddevTolerance,
        double[] RenormMeanTolerance,
        double[] RenormStddevTolerance);

    /// <summary>
    /// The layer's weights, always synthesized in the same order so the inputs do not depend on center/scale; the
    /// renorm statistics (null without renorm) are drawn last, so a layer without renorm draws what it always did.
    /// </summary>
    private sealed record Weights(double[] Gamma, double[] Beta, double[] MovingMean, double[] MovingVariance)
    {
        public double[]? MovingStddev { get; init; }

        public double[]? RenormMean { get; init; }

        public double[]? RenormStddev { get; init; }

        public static Weights Synthesize(CaseSpec spec, AxisResolution layout, DeterministicRandom random)
        {
            int channels = layout.ChannelCount;
            var weights = new Weights(
                InputSynthesis.Gamma(spec, channels, random),
                InputSynthesis.Beta(spec, channels, random),
                InputSynthesis.MovingMean(spec, channels, random),
                InputSynthesis.MovingVariance(spec, channels, random));
            return spec.Options.Renorm is null ? weights : weights with
            {
                MovingStddev = InputSynthesis.MovingStddev(spec, channels, random),
                RenormMean = InputSynthesis.RenormMean(spec, channels, random),
                RenormStddev = InputSynthesis.RenormStddev(spec, channels, random),
            };
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

            if (spec.Options.Renorm is not null)
            {
                inputs["moving_stddev"] = Tensor(spec.DType, shape, MovingStddev!);
                inputs["renorm_mean"] = Tensor(spec.DType, shape, RenormMean!);
                inputs["renorm_stddev"] = Tensor(spec.DType, shape, RenormStddev!);
            }

            return inputs;
        }
    }
}
