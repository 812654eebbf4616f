using System.Collections.Immutable;
using System.Globalization;
using BatchNormAxis.Conformance.Diagnosis;

namespace BatchNormAxis.Conformance.Running;

/// <summary>How many failing cases one diagnosis was given to.</summary>
/// <param name="Name">The diagnosis, e.g. <c>epsilon_outside_root</c>.</param>
/// <param name="Cases">The failing cases that got it.</param>
public readonly record struct DiagnosisCount(string Name, int Cases);

/// <summary>
/// How many failing cases each diagnosis was given to, and how many got none: the porter's first view of which
/// mistake dominates. A failing case is one whose outputs or rejection were wrong (verdict failed), expected
/// failures included, since the diagnosis does not depend on whether the failure was foreseen; harness faults
/// (crashed, timeout, errored) are never diagnosed and are not counted. A case given two names counts under both.
/// An ambiguity (two or more explanations the case cannot tell apart) is no diagnosis: it is counted apart, by its
/// candidates, in <see cref="Ambiguous"/>, and not as undiagnosed.
/// </summary>
/// <param name="Failing">The failing cases.</param>
/// <param name="ByName">Each diagnosis given, most frequent first (ties by name).</param>
/// <param name="Undiagnosed">The failing cases given neither a diagnosis nor an ambiguity.</param>
public sealed record DiagnosisCounts(int Failing, ImmutableArray<DiagnosisCount> ByName, int Undiagnosed)
{
    /// <summary>The failing cases whose failure could not be told apart between explanations, by those explanations ("a or b"), most frequent first.</summary>
    public ImmutableArray<DiagnosisCount> Ambiguous { get; init; } = [];

    /// <summary>Counts the diagnoses of a run's cases.</summary>
    /// <param name="cases">The cases.</param>
    /// <returns>The counts.</returns>
    public static DiagnosisCounts Of(IEnumerable<CaseReport> cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        List<CaseReport> failing = [.. cases.Where(c => c.Verdict == CaseVerdict.Failed)];
        ImmutableArray<DiagnosisCount> byName = Counted(failing.SelectMany(c => c.Findings.Select(f => WrongConventions.Name(f.Convention)).Distinct(StringComparer.Ordinal)));
        ImmutableArray<DiagnosisCount> ambiguous = Counted(failing.Where(c => c.Findings.Count == 0 && c.Ambiguity is not null)
            .Select(c => string.Join(" or ", c.Ambiguity!.Candidates.Select(a => a.Name))));
        return new DiagnosisCounts(failing.Count, byName, failing.Count(c => c.Findings.Count == 0 && c.Ambiguity is null)) { Ambiguous = ambiguous };
    }

    private static ImmutableArray<DiagnosisCount> Counted(IEnumerable<string> names) => [.. names
        .GroupBy(name => name, StringComparer.Ordinal)
        .Select(g => new DiagnosisCount(g.Key, g.Count()))
        .OrderByDescending(c => c.Cases)
        .ThenBy(c => c.Name, StringComparer.Ordinal)];

    /// <summary>
    /// One line for the console, e.g. <c>diagnoses of 12 failing cases: pytorch_momentum 9, epsilon_outside_root 2; none 1</c>,
    /// with <c>; cannot be told apart: a or b 2</c> before <c>none</c> when some failures were ambiguous.
    /// </summary>
    public string Line => string.Create(
        CultureInfo.InvariantCulture,
        $"diagnoses of {Failing} failing cases: {(ByName.IsEmpty ? "(none given)" : string.Join(", ", ByName.Select(c => $"{c.Name} {c.Cases}")))}{(Ambiguous.IsEmpty ? "" : "; cannot be told apart: " + string.Join(", ", Ambiguous.Select(c => $"{c.Name} {c.Cases}")))}; none {Undiagnosed}");
}
