using System.Collections.Immutable;

namespace BatchNormAxis.Conformance.Protocol;

/// <summary>Who a harness is and what it says it can do, from its answer to <c>start</c>.</summary>
/// <param name="Name">The implementation's name.</param>
/// <param name="Version">Its version.</param>
/// <param name="Language">The language it is written in.</param>
/// <param name="DTypes">The dtypes it runs.</param>
/// <param name="Ranks">The input ranks it runs.</param>
/// <param name="Features">What else it does: <c>training</c>, <c>inference</c>, <c>frozen</c>, <c>backward</c>, <c>sequence</c>, <c>mask</c>, <c>list_axis</c>, <c>multi_axis</c>, <c>errors</c>.</param>
public sealed record HarnessCapabilities(
    string Name,
    string Version,
    string Language,
    ImmutableHashSet<string> DTypes,
    ImmutableHashSet<int> Ranks,
    ImmutableHashSet<string> Features)
{
    /// <summary>Every feature a case can need.</summary>
    public static ImmutableArray<string> AllFeatures { get; } = ["training", "inference", "frozen", "backward", "sequence", "mask", "list_axis", "multi_axis", "errors"];

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
