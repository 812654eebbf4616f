using System.Collections.Immutable;

namespace BatchNormAxis.Conformance.Protocol;

/// <summary>Who a harness is and what it says it can do, from its answer to <c>start</c>.</summary>
/// <param name="Name">The implementation's name.</param>
/// <param name="Version">Its version.</param>
/// <param name="Language">The language it is written in.</param>
/// <param name="DTypes">The dtypes it runs.</param>
/// <param name="Ranks">The input ranks it runs.</param>
/// <param name="Features">What else it does: <c>training</c>, <c>inference</c>, <c>frozen</c>, <c>backward</c>, <c>sequence</c>, <c>mask</c>, <c>list_axis</c>, <c>multi_axis</c>, <c>errors</c>, <c>renorm</c> (Keras 3.14+ batch renormalization).</param>
public sealed record HarnessCapabilities(
    string Name,
    string Version,
    string Language,
    ImmutableHashSet<string> DTypes,
    ImmutableHashSet<int> Ranks,
    ImmutableHashSet<string> Features)
{
    /// <summary>Every feature a case can need.</summary>
    public static ImmutableArray<string> AllFeatures { get; } = ["training", "inference", "frozen", "backward", "sequence", "mask", "list_axis", "multi_axis", "errors", "renorm"];

    /// <summary>Every dtype a case can have.</summary>
    public static ImmutableArray<string> AllDTypes { get; } = ["float16", "bfloat16", "float32", "float64"];

    /// <summary>
    /// What the built-in implementations declare, in process and through <c>bnaxis serve</c>: every dtype and feature,
    /// and the ranks of the fixtures.
    /// </summary>
    /// <param name="name">The name to answer with.</param>
    /// <returns>The capabilities.</returns>
    public static HarnessCapabilities BuiltIn(string name) => new(
        name,
        typeof(IBatchNormalization).Assembly.GetName().Version?.ToString(3) ?? "",
        "C#",
        [.. AllDTypes],
        [1, 2, 3, 4, 5, 6],
        [.. AllFeatures]);

    /// <summary>What the harness lacks for a case, or null when it can run it.</summary>
    /// <param name="entry">The case's manifest entry.</param>
    /// <returns>The first missing capability, e.g. <c>dtype float16</c>, <c>rank 5</c>, <c>mask</c>.</returns>
    public string? MissingFor(ManifestEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!DTypes.Contains(Conformance.DTypes.Name(entry.DType)))
        {
            return $"dtype {Conformance.DTypes.Name(entry.DType)}";
        }

        if (entry.Kind != FixtureKind.Invalid && !Ranks.Contains(entry.Shape.Length))
        {
            return $"rank {entry.Shape.Length}";
        }

        return entry.Capabilities.FirstOrDefault(c => !Features.Contains(c));
    }
}
