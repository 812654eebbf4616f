using System.Collections.Immutable;

namespace BatchNormAxis.Conformance;

/// <summary>What an implementation answered to one case, before grading.</summary>
public enum ResponseKind
{
    /// <summary>It computed outputs.</summary>
    Outputs,

    /// <summary>It rejected the input with an error category (the right answer for an invalid case).</summary>
    Rejected,

    /// <summary>It chose not to run the case (a known problem; may carry an issue URL).</summary>
    Skipped,

    /// <summary>It lacks a capability the case needs.</summary>
    Unsupported,

    /// <summary>It failed unexpectedly (an exception, a bug in the harness).</summary>
    Errored,
}

/// <summary>
/// One implementation's answer to one case, in-process or from a harness. Outputs are named as in the case's
/// expectations: <c>y</c>, <c>moving_mean</c>, <c>dx</c>..., and <c>steps[k].y</c> for the calls of a sequence.
/// </summary>
/// <param name="Kind">What kind of answer.</param>
/// <param name="Outputs">The outputs, as float64, for <see cref="ResponseKind.Outputs"/>.</param>
/// <param name="Category">The error category of a rejection, or the missing capability.</param>
/// <param name="Message">The implementation's own words: rejection message, skip reason, error text.</param>
/// <param name="IssueUrl">An issue the implementation points to for a skip or an error.</param>
/// <param name="Shapes">
/// The shape each output came with, from a harness (each checked against its data); null in process, where outputs
/// are computed in the expected shape. The grader holds every shape given to the expected one exactly.
/// </param>
public sealed record CaseResponse(
    ResponseKind Kind,
    ImmutableDictionary<string, double[]> Outputs,
    string? Category = null,
    string? Message = null,
    string? IssueUrl = null,
    ImmutableDictionary<string, ImmutableArray<int>>? Shapes = null)
{
    /// <summary>Computed outputs.</summary>
    /// <param name="outputs">By name.</param>
    /// <returns>The response.</returns>
    public static CaseResponse WithOutputs(IReadOnlyDictionary<string, double[]> outputs) =>
        new(ResponseKind.Outputs, outputs.ToImmutableDictionary(StringComparer.Ordinal));

    /// <summary>Computed outputs with the shapes they were given in.</summary>
    /// <param name="outputs">By name.</param>
    /// <param name="shapes">The shape of each output, by the same names.</param>
    /// <returns>The response.</returns>
    public static CaseResponse WithOutputs(IReadOnlyDictionary<string, double[]> outputs, IReadOnlyDictionary<string, ImmutableArray<int>> shapes) =>
        new(ResponseKind.Outputs, outputs.ToImmutableDictionary(StringComparer.Ordinal), Shapes: shapes.ToImmutableDictionary(StringComparer.Ordinal));

    /// <summary>A rejection of the input.</summary>
    /// <param name="category">The error category (snake_case).</param>
    /// <param name="message">The implementation's message.</param>
    /// <returns>The response.</returns>
    public static CaseResponse Rejection(string category, string? message) =>
        new(ResponseKind.Rejected, ImmutableDictionary<string, double[]>.Empty, category, message);

    /// <summary>Any answer without outputs.</summary>
    /// <param name="kind">Skipped, unsupported or errored.</param>
    /// <param name="message">Why.</param>
    /// <param name="category">The missing capability, for unsupported.</param>
    /// <param name="issueUrl">An issue to point to.</param>
    /// <returns>The response.</returns>
    public static CaseResponse Without(ResponseKind kind, string? message, string? category = null, string? issueUrl = null) =>
        new(kind, ImmutableDictionary<string, double[]>.Empty, category, message, issueUrl);
}
