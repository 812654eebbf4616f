using System.Collections.Immutable;

namespace BatchNormAxis.Conformance;

/// <summary>One line of the manifest: where a case lives, its hash, and what a runner filters on.</summary>
/// <param name="Id">The case id.</param>
/// <param name="Path">The case file, relative to the fixture directory, with forward slashes.</param>
/// <param name="Sha256">The lower-case hex SHA-256 of the file's bytes.</param>
/// <param name="Kind">What the case asks.</param>
/// <param name="Mode"><c>training</c>, <c>inference</c> or <c>frozen</c>.</param>
/// <param name="DType">The case's dtype.</param>
/// <param name="Shape">The input shape.</param>
/// <param name="Axis">The axis as spelled.</param>
/// <param name="KeptAxes">The resolved kept axes, or default for a case whose axis is invalid.</param>
/// <param name="Capabilities">What an implementation needs for the case.</param>
/// <param name="ExpectedError">The error category an invalid case expects, or null when it expects outputs.</param>
public sealed record ManifestEntry(
    string Id,
    string Path,
    string Sha256,
    FixtureKind Kind,
    string Mode,
    FixtureDType DType,
    ImmutableArray<int> Shape,
    AxisSpec Axis,
    ImmutableArray<int>? KeptAxes,
    ImmutableArray<string> Capabilities,
    string? ExpectedError)
{
    /// <summary><c>outputs</c>, or <c>error</c> for an invalid case.</summary>
    public string Expects => ExpectedError is null ? "outputs" : "error";
}

/// <summary>The fixture manifest: versions, how the data was made, and every case.</summary>
/// <param name="FormatVersion">The fixture format version.</param>
/// <param name="SuiteVersion">The version of the case set.</param>
/// <param name="Generator">How the fixtures were generated (program, oracles and their versions).</param>
/// <param name="Cases">Every case, sorted by id.</param>
public sealed record FixtureManifest(
    string FormatVersion,
    string SuiteVersion,
    ImmutableSortedDictionary<string, string> Generator,
    ImmutableArray<ManifestEntry> Cases);
