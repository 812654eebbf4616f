using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace BatchNormAxis.Conformance.Diagnosis;

/// <summary>A candidate run on the case: its outputs and how far the implementation's answer is from them.</summary>
/// <param name="Candidate">The candidate.</param>
/// <param name="Outputs">Its outputs.</param>
/// <param name="Residual">The answer's worst error from them, in units of the diagnosis tolerance.</param>
internal sealed record Evaluated(Candidate Candidate, ImmutableDictionary<string, double[]> Outputs, double Residual);

/// <summary>
/// The search behind <see cref="Diagnoser"/>: runs candidates on one failing case and tells whether one explains the
/// answer (within <see cref="MatchRadius"/> diagnosis tolerances on every output) and stands apart from every other
/// explanation (at least <see cref="Separation"/> tolerances from every candidate claiming something else, and from
/// the reference on an output that failed).
/// </summary>
/// <remarks>
/// The diagnosis tolerance of a value v is the case's tolerance plus 16 units of roundoff of v and one ulp: a
/// candidate computes in double what the implementation computes in its own order and arithmetic, and a mistaken
/// computation (batch statistics in a frozen call) has roundoff the case's own model does not budget. Separating by
/// 3x the match radius leaves any answer within the radius of one candidate at least twice the radius from every
/// other: the name it gets cannot belong to another candidate, whatever this case's data makes the distances.
/// </remarks>
internal sealed class CandidateSearch
{
    /// <summary>How many diagnosis tolerances an answer may be from the candidate that explains it.</summary>
    public const double MatchRadius = 4;

    /// <summary>How many diagnosis tolerances a named candidate must be from every other explanation.</summary>
    public const double Separation = 3 * MatchRadius;

    /// <summary>
    /// Each case's candidate outputs, by variant name: they do not depend on the answer, and a test suite diagnoses
    /// the same case for many implementations. Held only as long as the case is.
    /// </summary>
    private static readonly ConditionalWeakTable<FixtureCase, ConcurrentDictionary<string, CaseResponse?>> s_runs = [];

    private readonly FixtureCase _fixture;
    private readonly CaseResponse _response;
    private readonly (string Name, ExpectedTensor Expected)[] _expectations;
    private readonly HashSet<string> _failing;
    private readonly ImmutableDictionary<string, double[]> _reference;

    /// <summary>Prepares the search: which outputs failed.</summary>
    /// <param name="fixture">The case.</param>
    /// <param name="response">The answer, with outputs.</param>
    public CandidateSearch(FixtureCase fixture, CaseResponse response)
    {
        _fixture = fixture;
        _response = response;
        _expectations = [.. CaseGrader.Expectations(fixture)];
        _reference = _expectations.ToImmutableDictionary(e => e.Name, e => e.Expected.Reference, StringComparer.Ordinal);
        _failing = [.. _expectations.Where(e => !response.Outputs.TryGetValue(e.Name, out double[]? actual) || !OutputComparison.Compare(e.Name, e.Expected, actual).Passed).Select(e => e.Name)];
        Layout = AxisResolution.Resolve(fixture.Shape.AsSpan(), fixture.Axis);
    }

    /// <summary>The case's layout.</summary>
    public AxisResolution Layout { get; }

    /// <summary>Whether any output failed (an answer missing an output cannot be explained).</summary>
    public bool CanExplain => _failing.Count > 0 && _expectations.All(e => _response.Outputs.ContainsKey(e.Name));

    /// <summary>The element counts of the answer's per-channel outputs that differ from the layer's channel count.</summary>
    public IReadOnlySet<int> WrongChannelCounts => _expectations
        .Where(e => IsPerChannel(e.Name) && _response.Outputs.TryGetValue(e.Name, out double[]? actual) && actual.Length != e.Expected.Reference.Length)
        .Select(e => _response.Outputs[e.Name].Length).ToHashSet();

    /// <summary>Runs a candidate; null when it cannot express the case.</summary>
    /// <param name="candidate">The candidate.</param>
    /// <returns>Its outputs and residual.</returns>
    public Evaluated? Evaluate(Candidate candidate)
    {
        CaseResponse? variant = s_runs.GetOrCreateValue(_fixture).GetOrAdd(candidate.Variant.Name, _ => Run(candidate.Variant));
        if (variant is null || variant.Kind != ResponseKind.Outputs)
        {
            return null;
        }

        double residual = _expectations.Max(e => Distance(candidate, variant.Outputs, e.Name, e.Expected, _response.Outputs[e.Name], structural: candidate.StatisticChannels));
        return new Evaluated(candidate, variant.Outputs, residual);
    }

    private CaseResponse? Run(ConventionVariant variant)
    {
        try
        {
            return CaseExecutor.Execute(_fixture, variant);
        }
#pragma warning disable CA1031 // A variant that cannot express this case simply does not explain it.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>Whether a candidate within the match radius stands apart from the reference (on a failed output) and from every other claim.</summary>
    /// <param name="named">The candidate to name.</param>
    /// <param name="others">Every other candidate run on the case.</param>
    /// <returns>Whether naming it is safe.</returns>
    public bool StandsApart(Evaluated named, IEnumerable<Evaluated> others)
    {
        Candidate candidate = named.Candidate;

        // A float32 computation is told from every float64 one, the reference included, by its symptom (every miss
        // a float32 number, checked before naming it), not by distance: the float32 error model spans the difference.
        if (candidate.InFloat32)
        {
            return true;
        }

        bool awayFromReference = _expectations.Where(e => _failing.Contains(e.Name))
            .Max(e => Distance(candidate, named.Outputs, e.Name, e.Expected, Predicted(e.Name, _reference, null), structural: candidate.StatisticChannels)) >= Separation;

        return awayFromReference && others
            .Where(o => o.Candidate.Identity != candidate.Identity && !o.Candidate.InFloat32)
            .All(o => _expectations.Max(e => Distance(candidate, named.Outputs, e.Name, e.Expected, Predicted(e.Name, o.Outputs, o.Candidate.StatisticChannels), structural: candidate.StatisticChannels)) >= Separation);
    }

    /// <summary>
    /// The answer's worst error from Keras' own result, in the diagnosis tolerances of a candidate like
    /// <paramref name="like"/>: within the match radius, the reference fits the answer as well as a candidate would.
    /// </summary>
    /// <param name="like">The candidate whose error model (float32 or the case's dtype) to measure with.</param>
    /// <returns>The residual; +inf when an output has another element count.</returns>
    public double ResidualFromReference(Candidate like) =>
        _expectations.Max(e => Distance(like with { StatisticChannels = null }, _reference, e.Name, e.Expected, _response.Outputs[e.Name], structural: null));

    /// <summary>How near a candidate's outputs must be to Keras' own, in diagnosis tolerances, to be Keras' own result on a case.</summary>
    public const double SameAsReference = 0.1;

    /// <summary>
    /// Whether a candidate computes on this case what Keras does (within <see cref="SameAsReference"/> on every
    /// output: a float32 rounding of float32 data, the last axis when it is the kept one): no explanation of its own here.
    /// </summary>
    /// <param name="evaluated">The candidate run on the case.</param>
    /// <returns>True when its outputs are Keras' own.</returns>
    public bool PredictsTheReference(Evaluated evaluated) =>
        _expectations.Max(e => Distance(evaluated.Candidate, evaluated.Outputs, e.Name, e.Expected, _reference[e.Name], structural: null)) <= SameAsReference;

    /// <summary>What another explanation predicts for an output, with the element count it would have.</summary>
    private double[] Predicted(string name, ImmutableDictionary<string, double[]> outputs, int? statisticChannels) =>
        statisticChannels is { } count && IsPerChannel(name) && _response.Outputs[name].Length == count ? new double[count] : outputs[name];

    /// <summary>
    /// The worst distance of values from a candidate's output, in diagnosis tolerances. An output with another element
    /// count than the candidate's is infinitely far, unless it is per-channel and has the count of the candidate's
    /// wrong statistics axes (<paramref name="structural"/>): that count is the evidence, the values cannot be compared.
    /// </summary>
    private double Distance(Candidate candidate, ImmutableDictionary<string, double[]> outputs, string name, ExpectedTensor expected, double[] values, int? structural)
    {
        double[] mine = outputs[name];
        if (values.Length != mine.Length)
        {
            return structural == values.Length && IsPerChannel(name) ? 0 : double.PositiveInfinity;
        }

        if (structural is { } count && IsPerChannel(name) && _response.Outputs[name].Length == count && count != mine.Length)
        {
            return double.PositiveInfinity;
        }

        FixtureDType computed = candidate.InFloat32 ? FixtureDType.Float32 : _fixture.DType;
        double u = DTypes.ComputeUnitRoundoff(computed);
        double scale = u / DTypes.ComputeUnitRoundoff(_fixture.DType);
        double worst = 0;
        for (int i = 0; i < mine.Length; i++)
        {
            double unit = (scale * expected.Tolerance[i]) + (16 * u * Math.Abs(mine[i])) + DTypes.Ulp(candidate.InFloat32 ? computed : expected.DType, mine[i]);
            worst = Math.Max(worst, Ratio(mine[i], values[i], unit));
        }

        return worst;
    }

    /// <summary>|a - b| / unit, 0 for equal values (NaN for NaN, the same infinity), +inf for any other non-finite mismatch.</summary>
    private static double Ratio(double a, double b, double unit)
    {
        if (a.Equals(b))
        {
            return 0;
        }

        return double.IsFinite(a) && double.IsFinite(b) && double.IsFinite(unit) ? Math.Abs(a - b) / unit : double.PositiveInfinity;
    }

    /// <summary>The outputs with one value per channel, whose element count tells which axes an implementation kept.</summary>
    private static bool IsPerChannel(string name) =>
        name.EndsWith("moving_mean", StringComparison.Ordinal) || name.EndsWith("moving_variance", StringComparison.Ordinal)
        || name is "dgamma" or "dbeta";
}
