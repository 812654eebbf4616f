using System.Collections.Immutable;

namespace BatchNormAxis.Conformance.Diagnosis;

/// <summary>A known mistake the failing outputs match, with a sentence saying what it means.</summary>
/// <param name="Convention">The mistake.</param>
/// <param name="Explanation">What the implementation probably does, and what Keras does instead.</param>
public sealed record Finding(WrongConvention Convention, string Explanation);

/// <summary>
/// Explains a failing case: runs the same inputs through every <see cref="ConventionVariant"/> and names those
/// whose results the implementation's outputs match within the case's tolerances.
/// </summary>
public static class Diagnoser
{
    private static readonly ImmutableDictionary<WrongConvention, string> s_explanations = new Dictionary<WrongConvention, string>
    {
        [WrongConvention.InvertedAxisMeaning] = "statistics taken over the kept axes: `axis` read as the axes to reduce (np.mean style); Keras keeps them and reduces every other axis",
        [WrongConvention.UnbiasedMovingVariance] = "moving variance fed n/(n-1) times the batch variance (PyTorch, tf.keras fused path); Keras feeds the biased variance",
        [WrongConvention.PyTorchMomentum] = "momentum weighs the new batch statistic (PyTorch); Keras: moving = moving * momentum + batch * (1 - momentum)",
        [WrongConvention.EpsilonOutsideRoot] = "epsilon added outside the square root, sqrt(var) + eps; Keras divides by sqrt(var + eps)",
        [WrongConvention.SinglePassVariance] = "variance as E[x²] - E[x]², which cancels (or goes negative) when the mean is large against the spread; use two passes, Welford or a shifted sum",
        [WrongConvention.ChannelAsLastAxis] = "parameters and statistics indexed by flat index modulo C, as if the channel were the last axis (TF.js CPU bug, tensorflow/tfjs#1106)",
        [WrongConvention.AxisFromWrongEnd] = "kept axes counted from the wrong end (axis a read as rank - 1 - a)",
        [WrongConvention.GammaBetaSwapped] = "gamma and beta swapped; Keras weight order is gamma, beta, moving_mean, moving_variance",
        [WrongConvention.MovingStatisticsSwapped] = "moving mean and moving variance swapped",
        [WrongConvention.FrozenIgnored] = "a frozen layer (trainable=false) called with training=true still uses batch statistics and updates them; Keras 3 and tf.keras 2 run it in inference mode",
        [WrongConvention.MovingStatisticsNotUpdated] = "training leaves the moving statistics untouched; Keras updates them on every training call",
        [WrongConvention.Float32Hyperparameters] = "momentum and epsilon rounded to float32 before use (ONNX stores float attributes as float32), visible on float64 data; Keras applies them in its compute dtype, float64 for float64 data on TensorFlow (on every backend before Keras 3.12)",
        [WrongConvention.Float64ComputedInFloat32] = "float64 data computed in float32 and cast back, every missed value a float32 number (Keras 3.12+ on every backend but TensorFlow: result_type maps float64 to float32); the suite's float64 cases hold the float64 result, what Keras computes on TensorFlow",
    }.ToImmutableDictionary();

    /// <summary>The known mistakes the response matches; empty when none does (or it has no outputs).</summary>
    /// <param name="fixture">The case.</param>
    /// <param name="response">The implementation's failing answer.</param>
    /// <returns>The findings.</returns>
    public static IReadOnlyList<Finding> Diagnose(FixtureCase fixture, CaseResponse response)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        ArgumentNullException.ThrowIfNull(response);
        if (response.Kind != ResponseKind.Outputs)
        {
            return [];
        }

        var findings = new List<Finding>();
        WrongConvention[] conventions = Enum.GetValues<WrongConvention>();
        foreach (WrongConvention convention in conventions)
        {
            if (Explains(fixture, response, new ConventionVariant(convention)))
            {
                findings.Add(new Finding(convention, Explanation(fixture, convention)));
            }
        }

        // Two conventions at once (a framework with an unbiased moving variance that also ignores `trainable`), tried
        // only when no single one explains the failure; pairs of the same kind (two axis readings, two swaps, two
        // float32 roundings) are not. Keras' NumPy and torch backends on large-offset float64 data are such a pair:
        // the single-pass variance, computed in float32.
        if (findings.Count == 0 && response.Outputs.Values.Any(values => values.Any(double.IsFinite)))
        {
            foreach ((WrongConvention first, WrongConvention second) in conventions.SelectMany(a => conventions.Where(b => a < b && (Kind(a) == 0 || Kind(a) != Kind(b))).Select(b => (a, b))))
            {
                if (Explains(fixture, response, new ConventionVariant(first, second)))
                {
                    findings.Add(new Finding(first, $"{Explanation(fixture, first)} (together with {WrongConventions.Name(second)})"));
                    findings.Add(new Finding(second, $"{Explanation(fixture, second)} (together with {WrongConventions.Name(first)})"));
                }
            }
        }

        // Single-pass garbage depends on the summation order, so it rarely matches bit for bit: its symptom does.
        if (findings.Count == 0 && fixture.Id.Contains("large-offset", StringComparison.Ordinal) && HasNaNWhereReferenceIsFinite(fixture, response))
        {
            findings.Add(new Finding(WrongConvention.SinglePassVariance, "NaN where the reference is finite on large-offset data: " + s_explanations[WrongConvention.SinglePassVariance]));

            // Keras' NumPy and torch backends since 3.12: the single pass, in float32, on float64 data.
            if (fixture.DType == FixtureDType.Float64 && MissesOnlyWithFloat32Values(fixture, response))
            {
                findings.Add(new Finding(WrongConvention.Float64ComputedInFloat32, $"{s_explanations[WrongConvention.Float64ComputedInFloat32]} (together with single_pass_variance)"));
            }
        }

        return findings;
    }

    /// <summary>Whether the variant fails the case (so it can explain a failure) and the response matches it.</summary>
    private static bool Explains(FixtureCase fixture, CaseResponse response, ConventionVariant convention)
    {
        CaseResponse variant;
        try
        {
            variant = CaseExecutor.Execute(fixture, convention);
        }
#pragma warning disable CA1031 // A variant that cannot express this case simply does not explain it.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }

        // A variant that passes the case cannot explain a failure of it.
        bool inFloat32 = fixture.DType == FixtureDType.Float64 && (convention.Convention == WrongConvention.Float64ComputedInFloat32 || convention.Also == WrongConvention.Float64ComputedInFloat32);
        return variant.Kind == ResponseKind.Outputs
            && CaseGrader.Grade(fixture, variant).Verdict != CaseVerdict.Passed
            && CaseGrader.Grade(WithReferences(fixture, variant.Outputs, inFloat32), response).Verdict == CaseVerdict.Passed
            && (!inFloat32 || MissesOnlyWithFloat32Values(fixture, response));
    }

    /// <summary>
    /// Conventions of one kind cannot be combined: 1 for the axis readings, 2 for the weight swaps, 3 for the float32
    /// roundings (a float32 computation already rounds momentum and epsilon), 0 for the rest.
    /// </summary>
    private static int Kind(WrongConvention convention) => convention switch
    {
        WrongConvention.InvertedAxisMeaning or WrongConvention.AxisFromWrongEnd or WrongConvention.ChannelAsLastAxis => 1,
        WrongConvention.GammaBetaSwapped or WrongConvention.MovingStatisticsSwapped => 2,
        WrongConvention.Float32Hyperparameters or WrongConvention.Float64ComputedInFloat32 => 3,
        _ => 0,
    };

    /// <summary>The explanation of a finding; the n/(n-1) estimator on one value per channel gets its own (NaN) wording.</summary>
    private static string Explanation(FixtureCase fixture, WrongConvention convention)
    {
        if (convention == WrongConvention.UnbiasedMovingVariance && fixture.Training && fixture.KeptAxes.Length > 0)
        {
            long count = 1;
            for (int a = 0; a < fixture.Shape.Length; a++)
            {
                count *= fixture.KeptAxes.Contains(a) ? 1 : fixture.Shape[a];
            }

            if (count == 1)
            {
                return "moving variance NaN with one value per channel: the n/(n-1) estimator divides 0 by 0 (PyTorch's ATen batch_norm); Keras feeds the biased variance, 0";
            }
        }

        return s_explanations[convention];
    }

    /// <summary>
    /// The case with every expected reference replaced by a variant's outputs. The tolerances are widened: they were
    /// derived for the case's own computation (an inference call has no statistics error), and a variant may compute
    /// differently (batch statistics in a frozen call); 16x the tolerance plus 64 units of roundoff of each value
    /// still leaves the conventions far apart (the closest, epsilon outside the root, differs by about 5e-4).
    /// </summary>
    /// <remarks>
    /// A variant computing float64 data in float32 is matched with the float32 error model: the case's float64
    /// tolerance is first-order linear in the unit roundoff u, so it is scaled by 2^-24 / 2^-53 = 2^29, and the
    /// roundoff and ulp terms use float32's. That still separates it from the float64 answer only by a margin the
    /// float64 checks see (a float32 result misses it by about 1e-7 relative, the float64 tolerances are about
    /// 1e-15): <see cref="MissesOnlyWithFloat32Values"/> supplies the rest.
    /// </remarks>
    private static FixtureCase WithReferences(FixtureCase fixture, ImmutableDictionary<string, double[]> outputs, bool inFloat32)
    {
        FixtureDType computed = inFloat32 ? FixtureDType.Float32 : fixture.DType;
        double u = DTypes.ComputeUnitRoundoff(computed);
        double scale = u / DTypes.ComputeUnitRoundoff(fixture.DType);
        ExpectedTensor Replace(string name, ExpectedTensor expected) => expected with
        {
            Reference = outputs[name],
            Tolerance = [.. expected.Tolerance.Select((t, i) => double.IsFinite(outputs[name][i])
                ? (16 * scale * t) + (64 * u * Math.Abs(outputs[name][i])) + DTypes.Ulp(inFloat32 ? computed : expected.DType, outputs[name][i])
                : 0)],
        };

        return fixture with
        {
            Expected = fixture.Expected.ToImmutableSortedDictionary(e => e.Key, e => Replace(e.Key, e.Value), StringComparer.Ordinal),
            Steps = [.. fixture.Steps.Select((step, k) => step with
            {
                Expected = step.Expected.ToImmutableSortedDictionary(e => e.Key, e => Replace($"steps[{k}].{e.Key}", e.Value), StringComparer.Ordinal),
            })],
        };
    }

    /// <summary>
    /// The symptom of a float32 computation cast back to float64: every output value that misses its float64
    /// tolerance is exactly a float32 number. A float64 computation with another mistake (momentum rounded to
    /// float32, say) misses with values that are not.
    /// </summary>
    private static bool MissesOnlyWithFloat32Values(FixtureCase fixture, CaseResponse response) =>
        CaseGrader.Expectations(fixture).All(e => !response.Outputs.TryGetValue(e.Name, out double[]? actual)
            || actual.Length != e.Expected.Reference.Length
            || actual.Select((v, i) => !double.IsFinite(v) || (double)(float)v == v || Math.Abs(v - e.Expected.Reference[i]) <= e.Expected.Tolerance[i]).All(ok => ok));

    private static bool HasNaNWhereReferenceIsFinite(FixtureCase fixture, CaseResponse response) =>
        CaseGrader.Expectations(fixture).Any(e => response.Outputs.TryGetValue(e.Name, out double[]? actual)
            && actual.Length == e.Expected.Reference.Length
            && actual.Where((v, i) => double.IsNaN(v) && double.IsFinite(e.Expected.Reference[i])).Any());
}
