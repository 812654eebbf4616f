using System.Collections.Immutable;

namespace BatchNormAxis.Conformance;

/// <summary>Grades an implementation's answer to a case against the case's expectations.</summary>
public static class CaseGrader
{
    /// <summary>Every expected output with its name; sequence outputs are named <c>steps[k].y</c>.</summary>
    /// <param name="fixture">The case.</param>
    /// <returns>The expectations.</returns>
    public static IEnumerable<(string Name, ExpectedTensor Expected)> Expectations(FixtureCase fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        return fixture.Kind == FixtureKind.Sequence
            ? fixture.Steps.SelectMany((step, k) => step.Expected.Select(e => ($"steps[{k}].{e.Key}", e.Value)))
            : fixture.Expected.Select(e => (e.Key, e.Value));
    }

    /// <summary>Grades one answer.</summary>
    /// <param name="fixture">The case.</param>
    /// <param name="response">The answer.</param>
    /// <returns>The verdict, the comparisons and, when it failed, why.</returns>
    public static CaseResult Grade(FixtureCase fixture, CaseResponse response)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        ArgumentNullException.ThrowIfNull(response);
        switch (response.Kind)
        {
            case ResponseKind.Skipped:
                return new CaseResult(fixture.Id, CaseVerdict.Skipped, [], Describe("skipped by the implementation", response));
            case ResponseKind.Unsupported:
                return new CaseResult(fixture.Id, CaseVerdict.Unsupported, [], Describe($"unsupported: {response.Category}", response));
            case ResponseKind.Errored:
                return new CaseResult(fixture.Id, CaseVerdict.Errored, [], Describe("the implementation errored", response));
        }

        if (fixture.Kind == FixtureKind.Invalid)
        {
            return response.Kind != ResponseKind.Rejected
                ? new CaseResult(fixture.Id, CaseVerdict.Failed, [], $"accepted the input: expected a rejection as {fixture.ExpectedError}")
                : response.Category == fixture.ExpectedError
                    ? new CaseResult(fixture.Id, CaseVerdict.Passed, [], null)
                    : new CaseResult(fixture.Id, CaseVerdict.Failed, [], $"rejected as {response.Category} ({response.Message}): expected {fixture.ExpectedError}");
        }

        if (response.Kind == ResponseKind.Rejected)
        {
            return new CaseResult(fixture.Id, CaseVerdict.Failed, [], $"rejected a valid case as {response.Category}: {response.Message}");
        }

        var comparisons = new List<OutputComparison>();
        foreach ((string name, ExpectedTensor expected) in Expectations(fixture))
        {
            if (!response.Outputs.TryGetValue(name, out double[]? actual))
            {
                return new CaseResult(fixture.Id, CaseVerdict.Failed, comparisons, $"no output '{name}': expected {string.Join(", ", Expectations(fixture).Select(e => e.Name))}");
            }

            if (actual.Length != expected.Reference.Length)
            {
                return new CaseResult(fixture.Id, CaseVerdict.Failed, comparisons, $"output '{name}' has {actual.Length} elements: expected {expected.Reference.Length} (shape {ShapeText.Tuple(expected.Shape.AsSpan())})");
            }

            if (response.Shapes is { } shapes && shapes.TryGetValue(name, out ImmutableArray<int> shape) && !shape.AsSpan().SequenceEqual(expected.Shape.AsSpan()))
            {
                return new CaseResult(fixture.Id, CaseVerdict.Failed, comparisons, $"output '{name}' has shape {ShapeText.Tuple(shape.AsSpan())}: expected {ShapeText.Tuple(expected.Shape.AsSpan())}");
            }

            comparisons.Add(OutputComparison.Compare(name, expected, actual));
        }

        OutputComparison? failure = comparisons.FirstOrDefault(c => !c.Passed);
        return new CaseResult(fixture.Id, failure is null ? CaseVerdict.Passed : CaseVerdict.Failed, comparisons, failure?.ToString());
    }

    private static string Describe(string what, CaseResponse response) =>
        what + (response.Message is null ? "" : $": {response.Message}") + (response.IssueUrl is null ? "" : $" ({response.IssueUrl})");
}
