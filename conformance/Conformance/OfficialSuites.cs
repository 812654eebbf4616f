using System.Collections.Immutable;
using System.Security.Cryptography;

namespace BatchNormAxis.Conformance;

/// <summary>
/// The SHA-256 of the manifest of every official suite version this tool knows. A fixture folder whose manifest has
/// another hash is a modified suite, whatever its suite_version says. The manifest pins every case file's hash, so
/// pinning the manifest pins the whole suite. This tool also carries a copy of each official manifest
/// (<c>OfficialManifests/&lt;version&gt;.json</c>, embedded), to name what a modified folder changed.
/// </summary>
/// <remarks>
/// Regenerating the fixtures changes the hash: bump the suite version, copy the new <c>fixtures/manifest.json</c> to
/// <c>conformance/Conformance/OfficialManifests/&lt;version&gt;.json</c> and add its hash here, in the same commit
/// (a test compares the committed manifest, and every embedded copy, with this table).
/// </remarks>
public static class OfficialSuites
{
    private static readonly Lazy<ImmutableDictionary<string, (FixtureManifest Manifest, long DeclaredCaseCount)>> s_manifests = new(LoadEmbeddedManifests);

    /// <summary>Suite version by manifest SHA-256.</summary>
    public static ImmutableDictionary<string, string> VersionByManifestSha256 { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["4cbb31b91584943367a126a57a12e44cef19f6feedd7066ea400f1cba14702a4"] = "0.1.0",
        ["8e84028278da1936194473aa5b0f6532b1ae52f432672f926e7d39a906ed90d5"] = "0.2.0",
        ["95e348f7f8a0814ece8b8be4bffc233087f97ac36c6e5c45c19b7d1f7a2b5559"] = "0.3.0",
        ["fca3a81354a6ae3851454def193d3ae19bbdaf2675feeb326064c87dc3db7cca"] = "0.4.0",
    }.ToImmutableDictionary(StringComparer.Ordinal);

    /// <summary>The provenance of a manifest's bytes.</summary>
    /// <param name="manifestBytes">manifest.json as read.</param>
    /// <returns>Its hash and the official version it is, if any.</returns>
    public static FixtureProvenance Identify(ReadOnlySpan<byte> manifestBytes)
    {
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(manifestBytes));
        return new FixtureProvenance(sha256, VersionByManifestSha256.GetValueOrDefault(sha256));
    }

    /// <summary>
    /// The official manifest to compare a modified one with: the official suite of the same suite_version, else the
    /// newest official suite; null if the tool carries no copy of any.
    /// </summary>
    /// <param name="suiteVersion">The suite_version the modified manifest claims.</param>
    /// <returns>The official version, its manifest and the case_count it declares.</returns>
    internal static (string Version, FixtureManifest Manifest, long DeclaredCaseCount)? ReferenceFor(string suiteVersion)
    {
        ImmutableDictionary<string, (FixtureManifest Manifest, long DeclaredCaseCount)> manifests = s_manifests.Value;
        string? version = manifests.ContainsKey(suiteVersion)
            ? suiteVersion
            : manifests.Keys.OrderByDescending(v => Version.TryParse(v, out Version? parsed) ? parsed : new Version()).FirstOrDefault();
        return version is null ? null : (version, manifests[version].Manifest, manifests[version].DeclaredCaseCount);
    }

    /// <summary>The embedded copies of official manifests, by version; a copy that does not hash to its pin is left out.</summary>
    /// <returns>Every usable embedded manifest.</returns>
    internal static ImmutableDictionary<string, (FixtureManifest Manifest, long DeclaredCaseCount)> LoadEmbeddedManifests()
    {
        var manifests = ImmutableDictionary.CreateBuilder<string, (FixtureManifest, long)>(StringComparer.Ordinal);
        foreach ((string version, byte[] bytes) in EmbeddedManifestBytes())
        {
            if (Identify(bytes).OfficialSuiteVersion == version)
            {
                manifests[version] = FixtureManifestJson.Parse(bytes);
            }
        }

        return manifests.ToImmutable();
    }

    /// <summary>The bytes of every embedded official manifest, by the version its resource name gives.</summary>
    /// <returns>Version and bytes.</returns>
    internal static IEnumerable<(string Version, byte[] Bytes)> EmbeddedManifestBytes()
    {
        const string Prefix = "OfficialManifests/";
        const string Suffix = ".json";
        System.Reflection.Assembly assembly = typeof(OfficialSuites).Assembly;
        foreach (string name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(Suffix, StringComparison.Ordinal)))
        {
            using Stream stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            yield return (name[Prefix.Length..^Suffix.Length], copy.ToArray());
        }
    }
}
