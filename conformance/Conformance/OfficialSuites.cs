using System.Collections.Immutable;

namespace BatchNormAxis.Conformance;

/// <summary>
/// The SHA-256 of the manifest of every official suite version this tool knows. A fixture folder whose manifest has
/// another hash is a modified suite, whatever its suite_version says. Regenerating the fixtures changes the hash:
/// add the new version here in the same commit (a test compares the committed manifest with this table).
/// </summary>
public static class OfficialSuites
{
    /// <summary>Suite version by manifest SHA-256.</summary>
    public static ImmutableDictionary<string, string> VersionByManifestSha256 { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["4cbb31b91584943367a126a57a12e44cef19f6feedd7066ea400f1cba14702a4"] = "0.1.0",
    }.ToImmutableDictionary(StringComparer.Ordinal);

    /// <summary>The provenance of a manifest's bytes.</summary>
    /// <param name="manifestBytes">manifest.json as read.</param>
    /// <returns>Its hash and the official version it is, if any.</returns>
    public static FixtureProvenance Identify(ReadOnlySpan<byte> manifestBytes)
    {
        string sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(manifestBytes));
        return new FixtureProvenance(sha256, VersionByManifestSha256.GetValueOrDefault(sha256));
    }
}
