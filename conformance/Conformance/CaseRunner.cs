using System.Numerics;

namespace BatchNormAxis.Conformance;

/// <summary>
/// Runs a case through an in-process <see cref="IBatchNormalization"/> and compares what it produces with the
/// expectations. float32, float64 and float16 run in their own type; bfloat16, which .NET lacks, runs in float64
/// with inputs exact and each result rounded once to bfloat16 (as Keras computes 16-bit types in float32 and casts).
/// </summary>
public static class CaseRunner
{
    /// <summary>Runs one case.</summary>
    /// <param name="fixture">The case.</param>
    /// <param name="implementation">The implementation.</param>
    /// <returns>The verdict and the comparisons.</returns>
    public static CaseResult Run(FixtureCase fixture, IBatchNormalization implementation)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        ArgumentNullException.ThrowIfNull(implementation);
        if (fixture.Kind == FixtureKind.Invalid)
        {
            return RunInvalid(fixture, implementation);
        }

        try
        {
            Dictionary<string, double[]> actual = fixture.DType switch
            {
                FixtureDType.Float32 => Execute<float>(fixture, implementation),
                FixtureDType.Float16 => Execute<Half>(fixture, implementation),
                FixtureDType.BFloat16 => RoundAll(Execute<double>(fixture, implementation), FixtureDType.BFloat16),
                _ => Execute<double>(fixture, implementation),
            };
            List<OutputComparison> comparisons = [.. Expectations(fixture).Select(e => OutputComparison.Compare(e.Name, e.Expected, actual[e.Name]))];
            OutputComparison? failure = comparisons.FirstOrDefault(c => !c.Passed);
            return new CaseResult(fixture.Id, failure is null ? CaseVerdict.Passed : CaseVerdict.Failed, comparisons, failure?.ToString());
        }
        catch (BatchNormArgumentException exception)
        {
            return new CaseResult(fixture.Id, CaseVerdict.Failed, [], $"rejected a valid case as {ErrorCategories.Name(exception.Category)}: {exception.Message}");
        }
    }

    /// <summary>Every expected output with its name; sequence outputs are named <c>steps[k].y</c>.</summary>
    private static IEnumerable<(string Name, ExpectedTensor Expected)> Expectations(FixtureCase fixture) =>
        fixture.Kind == FixtureKind.Sequence
            ? fixture.Steps.SelectMany((step, k) => step.Expected.Select(e => ($"steps[{k}].{e.Key}", e.Value)))
            : fixture.Expected.Select(e => (e.Key, e.Value));

    private static CaseResult RunInvalid(FixtureCase fixture, IBatchNormalization implementation)
    {
        try
        {
            // Shapes first: a flat span cannot show that gamma or the mask has the wrong rank.
            AxisResolution layout = AxisResolution.Resolve(fixture.Shape.AsSpan(), fixture.Axis);
            foreach (string name in new[] { "gamma", "beta", "moving_mean", "moving_variance" })
            {
                if (fixture.Inputs.TryGetValue(name, out FixtureTensor? tensor))
                {
                    layout.ValidateParameterShape(name, tensor.Shape.AsSpan());
                }
            }

            if (fixture.Inputs.TryGetValue("mask", out FixtureTensor? mask))
            {
                layout.ValidateMaskShape(mask.Shape.AsSpan());
            }

            Execute<double>(fixture, implementation);
            return new CaseResult(fixture.Id, CaseVerdict.Failed, [], $"accepted the input: expected a rejection as {fixture.ExpectedError}");
        }
        catch (BatchNormArgumentException exception)
        {
            string category = ErrorCategories.Name(exception.Category);
            return category == fixture.ExpectedError
                ? new CaseResult(fixture.Id, CaseVerdict.Passed, [], null)
                : new CaseResult(fixture.Id, CaseVerdict.Failed, [], $"rejected as {category} ({exception.Message}): expected {fixture.ExpectedError}");
        }
    }

    private static Dictionary<string, double[]> Execute<T>(FixtureCase fixture, IBatchNormalization implementation)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        AxisResolution layout = AxisResolution.Resolve(fixture.Shape.AsSpan(), fixture.Axis);
        int channels = layout.ChannelCount;
        T[] gamma = Input<T>(fixture, "gamma");
        T[] beta = Input<T>(fixture, "beta");
        T[] movingMean = Input<T>(fixture, "moving_mean");
        T[] movingVariance = Input<T>(fixture, "moving_variance");
        bool[] mask = fixture.Inputs.TryGetValue("mask", out FixtureTensor? maskTensor) ? [.. maskTensor.Values.Select(v => v != 0)] : [];
        var actual = new Dictionary<string, double[]>(StringComparer.Ordinal);

        if (fixture.Kind == FixtureKind.Backward)
        {
            T[] dx = new T[layout.ElementCount];
            T[] dgamma = fixture.Options.Scale ? new T[channels] : [];
            T[] dbeta = fixture.Options.Center ? new T[channels] : [];
            implementation.Backward<T>(
                layout, fixture.Options, fixture.Training, Input<T>(fixture, "x"), Input<T>(fixture, "dy"),
                new BatchNormWeights<T>(gamma, beta, movingMean, movingVariance),
                new BackwardDestinations<T>(dx, dgamma, dbeta));
            actual["dx"] = Wide(dx);
            actual["dgamma"] = Wide(dgamma);
            actual["dbeta"] = Wide(dbeta);
            return actual;
        }

        // Forward, or a sequence of forward calls on one layer whose moving statistics carry over.
        IEnumerable<(string Prefix, bool Training, T[] X)> calls = fixture.Kind == FixtureKind.Sequence
            ? fixture.Steps.Select((step, k) => ($"steps[{k}].", step.Training, Narrow<T>(step.X.Values)))
            : [("", fixture.Training, Input<T>(fixture, "x"))];
        foreach ((string prefix, bool training, T[] x) in calls)
        {
            T[] y = new T[layout.ElementCount];
            implementation.Forward<T>(
                layout, fixture.Options, training, x,
                new BatchNormWeights<T>(gamma, beta, movingMean, movingVariance),
                new ForwardDestinations<T>(y, movingMean, movingVariance),
                mask);
            actual[prefix + "y"] = Wide(y);
            actual[prefix + "moving_mean"] = Wide(movingMean);
            actual[prefix + "moving_variance"] = Wide(movingVariance);
        }

        return actual;
    }

    private static T[] Input<T>(FixtureCase fixture, string name)
        where T : IFloatingPointIeee754<T> =>
        fixture.Inputs.TryGetValue(name, out FixtureTensor? tensor) ? Narrow<T>(tensor.Values) : [];

    /// <summary>Exact: every stored value is a value of the case's dtype, and T holds it.</summary>
    private static T[] Narrow<T>(double[] values)
        where T : IFloatingPointIeee754<T> => [.. values.Select(T.CreateTruncating)];

    private static double[] Wide<T>(T[] values)
        where T : IFloatingPointIeee754<T> => [.. values.Select(double.CreateTruncating)];

    private static Dictionary<string, double[]> RoundAll(Dictionary<string, double[]> outputs, FixtureDType dtype) =>
        outputs.ToDictionary(o => o.Key, o => o.Value.Select(v => DTypes.Round(dtype, v)).ToArray(), StringComparer.Ordinal);
}
