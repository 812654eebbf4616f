using System.Collections.Immutable;

namespace BatchNormAxis.Conformance.Diagnosis;

/// <summary>A known mistake the failing outputs match, with a sentence saying what it means.</summary>
/// <param name="Convention">The mistake.</param>
/// <param name="Explanation">What the implementation probably does, and what Keras does instead.</param>
public sealed record Finding(WrongConvention Convention, string Explanation);

/// <summary>One explanation of a failure the case cannot tell from another, with how well it fits.</summary>
/// <param name="Name">The mistake (its <see cref="WrongConventions.Name"/>, with the axes in words for an axis reading), or <c>keras</c>: Keras' own result, missed by more than the case's tolerance but within the match radius of the diagnosis tolerance.</param>
/// <param name="Convention">The mistake, or null for Keras' own result.</param>
/// <param name="Residual">The answer's worst error from this explanation's result, in diagnosis tolerances.</param>
public sealed record AmbiguousCandidate(string Name, WrongConvention? Convention, double Residual);

/// <summary>
/// A failure two or more explanations fit equally and that this case cannot tell apart: reported as such, never as a
/// diagnosis (none of them is named).
/// </summary>
/// <param name="Candidates">The explanations that fit, best first (at least two).</param>
public sealed record Ambiguity(IReadOnlyList<AmbiguousCandidate> Candidates)
{
    /// <summary>The sentence the reports print: "cannot be told apart on this case: A (1.2x) or B (3.4x)".</summary>
    public string Explanation =>
        "cannot be told apart on this case: " + string.Join(" or ", Candidates.Select(c => $"{c.Name} (worst error {c.Residual:0.##}x the diagnosis tolerance)"))
        + "; other cases of the suite separate them";
}

/// <summary>What the diagnosis found on a failing answer: the mistakes it names, or an ambiguity, or nothing.</summary>
/// <param name="Findings">The named mistakes: one, or two made together; empty when none stands apart.</param>
/// <param name="Ambiguity">When nothing is named because two or more explanations fit equally: which; else null.</param>
public sealed record DiagnosisResult(IReadOnlyList<Finding> Findings, Ambiguity? Ambiguity)
{
    /// <summary>Nothing found.</summary>
    public static DiagnosisResult None { get; } = new([], null);
}

/// <summary>
/// Explains a failing case: runs the same inputs through every known mistake and every other set of reduction
/// axes, and names the one whose results the implementation's outputs match and that no other explanation comes near.
/// </summary>
public static class Diagnoser
{
    private static readonly ImmutableDictionary<WrongConvention, string> s_explanations = new Dictionary<WrongConvention, string>
    {
        [WrongConvention.InvertedAxisMeaning] = "kept and reduced axes swapped, statistics taken over the kept axes: `axis` read as the axes to reduce (np.mean style); Keras keeps them and reduces every other axis",
        [WrongConvention.UnbiasedMovingVariance] = "moving variance fed n/(n-1) times the batch variance (PyTorch, tf.keras fused path); Keras feeds the biased variance",
        [WrongConvention.PyTorchMomentum] = "momentum weighs the new batch statistic (PyTorch); Keras: moving = moving * momentum + batch * (1 - momentum)",
        [WrongConvention.EpsilonOutsideRoot] = "epsilon added outside the square root, sqrt(var) + eps; Keras divides by sqrt(var + eps)",
        [WrongConvention.SinglePassVariance] = "variance as E[x²] - E[x]², which cancels (or goes negative) when the mean is large against the spread; use two passes, Welford or a shifted sum",
        [WrongConvention.ChannelAsLastAxis] = "parameters and statistics indexed by flat index modulo C, as if the channel were the last axis (TF.js CPU bug, tensorflow/tfjs#1106)",
        [WrongConvention.AxisFromWrongEnd] = "kept axes counted from the wrong end (axis a read as rank - 1 - a)",
        [WrongConvention.GammaBetaSwapped] = "gamma and beta swapped; Keras weight order is gamma, beta, moving_mean, moving_variance",
        [WrongConvention.MovingStatisticsSwapped] = "moving mean and moving variance read swapped",
        [WrongConvention.MovingStatisticsSwappedOnWrite] = "the right moving statistics written back swapped: the new mean into moving_variance, the new variance into moving_mean",
        [WrongConvention.WrongReductionAxes] = "batch statistics over other axes than Keras', which reduces every axis but the kept ones",
        [WrongConvention.FrozenIgnored] = "a frozen layer (trainable=false) called with training=true still uses batch statistics and updates them; Keras 3 and tf.keras 2 run it in inference mode",
        [WrongConvention.MovingStatisticsNotUpdated] = "training leaves the moving statistics untouched; Keras updates them on every training call",
        [WrongConvention.Float32Hyperparameters] = "momentum and epsilon rounded to float32 before use (ONNX stores float attributes as float32), visible on float64 data; Keras applies them in its compute dtype, float64 for float64 data on TensorFlow (on every backend before Keras 3.12)",
        [WrongConvention.Float64ComputedInFloat32] = "float64 data computed in float32 and cast back, every missed value a float32 number (Keras 3.12+ on every backend but TensorFlow: result_type maps float64 to float32); the suite's float64 cases hold the float64 result, what Keras computes on TensorFlow",
    }.ToImmutableDictionary();

    /// <summary>
    /// The known mistake that explains the failing answer, found by search (docs/validate.md, "How the diagnosis is found"); empty
    /// when none does, when two explanations cannot be told apart on this case, or when the answer has no outputs.
    /// </summary>
    /// <param name="fixture">The case.</param>
    /// <param name="response">The implementation's failing answer.</param>
    /// <returns>The findings: one mistake, or two made together.</returns>
    public static IReadOnlyList<Finding> Diagnose(FixtureCase fixture, CaseResponse response) => Examine(fixture, response).Findings;

    /// <summary>
    /// The diagnosis of a failing answer with its ambiguity: when no explanation stands apart because two or more fit
    /// the answer equally (each within the match radius), which ones, with their residuals. An ambiguity names none.
    /// </summary>
    /// <param name="fixture">The case.</param>
    /// <param name="response">The implementation's failing answer.</param>
    /// <returns>The findings, or the ambiguity, or nothing.</returns>
    public static DiagnosisResult Examine(FixtureCase fixture, CaseResponse response)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        ArgumentNullException.ThrowIfNull(response);
        if (response.Kind != ResponseKind.Outputs || fixture.Kind == FixtureKind.Invalid)
        {
            return DiagnosisResult.None;
        }

        var search = new CandidateSearch(fixture, response);
        if (!search.CanExplain)
        {
            return DiagnosisResult.None;
        }

        // A per-channel output of the wrong size says how many channels the statistics had: only axis sets with that
        // count can explain it, so the others are not run.
        IReadOnlySet<int> counts = search.WrongChannelCounts;
        List<Evaluated> singles = [.. Candidate.Singles(search.Layout)
            .Where(c => counts.Count == 0 || (c.StatisticChannels is { } n && counts.Count == 1 && counts.Contains(n)))
            .Select(search.Evaluate).OfType<Evaluated>()];
        List<Evaluated> fitting = [.. singles.Where(e => e.Residual <= CandidateSearch.MatchRadius && Accepts(fixture, response, e.Candidate)).OrderBy(e => e.Residual)];
        if (fitting.Count > 0)
        {
            return search.StandsApart(fitting[0], singles)
                ? new DiagnosisResult([Named(fixture, search, fitting[0], null)], null)
                : new DiagnosisResult([], Ambiguous(search, fitting));
        }

        var findings = new List<Finding>();

        // Two conventions at once (a framework with an unbiased moving variance that also ignores `trainable`), tried
        // only when no single one explains the failure; pairs of the same kind (two axis readings, two swaps, two
        // float32 roundings) are not. Keras' NumPy and torch backends on large-offset float64 data are such a pair:
        // the single-pass variance, computed in float32. Named only when exactly one pair explains the answer.
        if (counts.Count == 0 && response.Outputs.Values.Any(values => values.Any(double.IsFinite)))
        {
            WrongConvention[] conventions = [.. Enum.GetValues<WrongConvention>().Where(c => c != WrongConvention.WrongReductionAxes)];
            List<Evaluated> pairs = [.. conventions
                .SelectMany(a => conventions.Where(b => a < b && (Kind(a) == 0 || Kind(a) != Kind(b))).Select(b => new Candidate(a, b, new ConventionVariant(a, b), [])))
                .Select(search.Evaluate).OfType<Evaluated>()
                .Where(e => e.Residual <= CandidateSearch.MatchRadius && Accepts(fixture, response, e.Candidate))];
            if (pairs.Count == 1 && search.StandsApart(pairs[0], singles))
            {
                Evaluated pair = pairs[0];
                findings.Add(Named(fixture, search, pair, pair.Candidate.Also));
                findings.Add(Named(fixture, search, pair with { Candidate = pair.Candidate with { Convention = pair.Candidate.Also!.Value, Also = pair.Candidate.Convention } }, pair.Candidate.Convention));
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

        return new DiagnosisResult(findings, null);
    }

    /// <summary>
    /// The explanations that fit an answer none of them stands apart in: every fitting candidate with a claim of its
    /// own, and Keras' own result when the answer is within the match radius of it too. Null when fewer than two fit
    /// (the best is then only too near something that does not explain the answer).
    /// </summary>
    private static Ambiguity? Ambiguous(CandidateSearch search, List<Evaluated> fitting)
    {
        // A candidate that computes what Keras does on this case (a float32 rounding on float32 data, the last axis
        // when it is the kept one) is not a different explanation: it stands for Keras' own result, listed as such.
        List<AmbiguousCandidate> candidates = [.. fitting
            .Where(e => !search.PredictsTheReference(e))
            .DistinctBy(e => e.Candidate.Identity)
            .Select(e => new AmbiguousCandidate(Name(search, e.Candidate), e.Candidate.Convention, e.Residual))];
        double reference = search.ResidualFromReference(fitting[0].Candidate);
        if (reference <= CandidateSearch.MatchRadius)
        {
            candidates.Add(new AmbiguousCandidate("keras", null, reference));
        }

        return candidates.Count >= 2 ? new Ambiguity([.. candidates.OrderBy(c => c.Residual)]) : null;
    }

    /// <summary>A candidate's name in an ambiguity: the convention, with its axes for an axis reading.</summary>
    private static string Name(CandidateSearch search, Candidate candidate)
    {
        string axes = candidate.AxesInWords(search.Layout.Rank);
        return axes.Length == 0 ? WrongConventions.Name(candidate.Convention) : $"{WrongConventions.Name(candidate.Convention)} ({axes})";
    }

    /// <summary>A float32 computation on float64 data shows its symptom: every miss is a float32 number.</summary>
    private static bool Accepts(FixtureCase fixture, CaseResponse response, Candidate candidate) =>
        !candidate.InFloat32 || (fixture.DType == FixtureDType.Float64 && MissesOnlyWithFloat32Values(fixture, response));

    /// <summary>The finding for a candidate: what it means, its axes in words, and how well it fits.</summary>
    private static Finding Named(FixtureCase fixture, CandidateSearch search, Evaluated evaluated, WrongConvention? together)
    {
        Candidate candidate = evaluated.Candidate;
        string axes = candidate.AxesInWords(search.Layout.Rank);
        string text = Explanation(fixture, candidate.Convention);
        text = axes.Length == 0 ? text : candidate.Convention == WrongConvention.WrongReductionAxes ? axes + "; " + text : $"{axes} ({text})";
        string pair = together is { } other ? $" (together with {WrongConventions.Name(other)})" : "";
        return new Finding(candidate.Convention, $"{text}{pair}; worst error {evaluated.Residual:0.##}x the diagnosis tolerance under it");
    }

    /// <summary>
    /// Conventions of one kind cannot be combined: 1 for the axis readings, 2 for the weight swaps, 3 for the float32
    /// roundings (a float32 computation already rounds momentum and epsilon), 0 for the rest.
    /// </summary>
    private static int Kind(WrongConvention convention) => convention switch
    {
        WrongConvention.InvertedAxisMeaning or WrongConvention.AxisFromWrongEnd or WrongConvention.ChannelAsLastAxis => 1,
        WrongConvention.GammaBetaSwapped or WrongConvention.MovingStatisticsSwapped or WrongConvention.MovingStatisticsSwappedOnWrite => 2,
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
