using System.Numerics;

namespace BatchNormAxis.Conformance;

/// <summary>
/// Runs a case through an in-process <see cref="IBatchNormalization"/> and returns its answer, ungraded. float32,
/// float64 and float16 run in their own type; bfloat16, which .NET lacks, runs in float32 (which holds every
/// bfloat16 value exactly) with each result rounded to bfloat16, as Keras computes 16-bit types in float32 and casts.
/// </summary>
public static class CaseExecutor
{
    /// <summary>
    /// The parameter-shaped inputs: the layer's weights in Keras' order, the last three (Keras 3.14+'s renorm statistics)
    /// only for renormalizing layers.
    /// </summary>
    private static readonly string[] s_parameterInputs = ["gamma", "beta", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev"];

    /// <summary>Runs one case.</summary>
    /// <param name="fixture">The case.</param>
    /// <param name="implementation">The implementation.</param>
    /// <returns>Its outputs, or its rejection of the input.</returns>
    public static CaseResponse Execute(FixtureCase fixture, IBatchNormalization implementation)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        ArgumentNullException.ThrowIfNull(implementation);
        try
        {
            // Shapes first, for every case: a flat span cannot show that gamma or the mask has the wrong rank, and a
            // run message sends an invalid case as a forward one (nothing in it says an error is expected).
            if (fixture.Kind != FixtureKind.Sequence)
            {
                AxisResolution layout = AxisResolution.Resolve(fixture.Shape.AsSpan(), fixture.Axis);
                foreach (string name in s_parameterInputs)
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
            }

            Dictionary<string, double[]> outputs = fixture.DType switch
            {
                FixtureDType.Float32 => Run<float>(fixture, implementation),
                FixtureDType.Float16 => Run<Half>(fixture, implementation),
                FixtureDType.BFloat16 => RoundAll(Run<float>(fixture, implementation), FixtureDType.BFloat16),
                _ => Run<double>(fixture, implementation),
            };
            return CaseResponse.WithOutputs(outputs);
        }
        catch (BatchNormArgumentException exception)
        {
            return CaseResponse.Rejection(ErrorCategories.Name(exception.Category), exception.Message);
        }
    }

    private static Dictionary<string, double[]> Run<T>(FixtureCase fixture, IBatchNormalization implementation)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        AxisResolution layout = AxisResolution.Resolve(fixture.Shape.AsSpan(), fixture.Axis);
        int channels = layout.ChannelCount;
        T[] gamma = Input<T>(fixture, "gamma");
        T[] beta = Input<T>(fixture, "beta");
        T[] movingMean = Input<T>(fixture, "moving_mean");
        T[] movingVariance = Input<T>(fixture, "moving_variance");
        bool renorm = fixture.Options.Renorm is not null;
        T[] movingStddev = renorm ? Input<T>(fixture, "moving_stddev") : [];
        T[] renormMean = renorm ? Input<T>(fixture, "renorm_mean") : [];
        T[] renormStddev = renorm ? Input<T>(fixture, "renorm_stddev") : [];
        bool[] mask = fixture.Inputs.TryGetValue("mask", out FixtureTensor? maskTensor) ? [.. maskTensor.Values.Select(v => v != 0)] : [];
        var outputs = new Dictionary<string, double[]>(StringComparer.Ordinal);

        if (fixture.Kind == FixtureKind.Backward)
        {
            T[] dx = new T[layout.ElementCount];
            T[] dgamma = fixture.Options.Scale ? new T[channels] : [];
            T[] dbeta = fixture.Options.Center ? new T[channels] : [];
            implementation.Backward<T>(
                layout, fixture.Options, fixture.Training, Input<T>(fixture, "x"), Input<T>(fixture, "dy"),
                new BatchNormWeights<T>(gamma, beta, movingMean, movingVariance, movingStddev, renormMean, renormStddev),
                new BackwardDestinations<T>(dx, dgamma, dbeta));
            outputs["dx"] = Wide(dx);
            outputs["dgamma"] = Wide(dgamma);
            outputs["dbeta"] = Wide(dbeta);
            return outputs;
        }

        // Forward, or a sequence of forward calls on one layer whose moving (and renorm) statistics carry over.
        IEnumerable<(string Prefix, bool Training, T[] X)> calls = fixture.Kind == FixtureKind.Sequence
            ? fixture.Steps.Select((step, k) => ($"steps[{k}].", step.Training, Narrow<T>(step.X.Values)))
            : [("", fixture.Training, Input<T>(fixture, "x"))];
        foreach ((string prefix, bool training, T[] x) in calls)
        {
            T[] y = new T[layout.ElementCount];
            implementation.Forward<T>(
                layout, fixture.Options, training, x,
                new BatchNormWeights<T>(gamma, beta, movingMean, movingVariance, movingStddev, renormMean, renormStddev),
                new ForwardDestinations<T>(y, movingMean, movingVariance, movingStddev: movingStddev, renormMean: renormMean, renormStddev: renormStddev),
                mask);
            outputs[prefix + "y"] = Wide(y);
            outputs[prefix + "moving_mean"] = Wide(movingMean);
            outputs[prefix + "moving_variance"] = Wide(movingVariance);
            if (renorm)
            {
                outputs[prefix + "moving_stddev"] = Wide(movingStddev);
                outputs[prefix + "renorm_mean"] = Wide(renormMean);
                outputs[prefix + "renorm_stddev"] = Wide(renormStddev);
            }
        }

        return outputs;
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
