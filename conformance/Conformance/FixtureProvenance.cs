namespace BatchNormAxis.Conformance;

/// <summary>
/// Where a fixture set came from: the SHA-256 of its manifest, and the official suite version whose shipped
/// manifest has that hash, or null for a modified or unknown set. The manifest pins every case file's hash, so
/// pinning the manifest pins the whole suite.
/// </summary>
/// <param name="ManifestSha256">The lower-case hex SHA-256 of manifest.json's bytes.</param>
/// <param name="OfficialSuiteVersion">The official suite version with this manifest, or null.</param>
public sealed record FixtureProvenance(string ManifestSha256, string? OfficialSuiteVersion)
{
    /// <summary>Whether the manifest is byte for byte one this tool ships.</summary>
    public bool IsOfficial => OfficialSuiteVersion is not null;

    /// <summary>Known before any manifest was read (reports built without a fixture set, in tests).</summary>
    public static FixtureProvenance Unknown { get; } = new("", null);
}
