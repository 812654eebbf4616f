using System.Security.Cryptography;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>The committed fixtures are the pinned official suite, and the tool's embedded copies agree with the pins.</summary>
public class OfficialSuitesTests
{
    [Fact]
    public void CommittedManifest_IsPinnedAsTheOfficialSuite()
    {
        byte[] manifest = File.ReadAllBytes(Path.Combine(FixtureLocation.Directory, FixtureFormat.ManifestFileName));
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(manifest));

        Assert.True(
            OfficialSuites.VersionByManifestSha256.TryGetValue(sha256, out string? version),
            $"fixtures/manifest.json has SHA-256 {sha256}, which OfficialSuites does not pin. If you regenerated the fixtures on purpose: "
            + "bump SuiteVersion in scripts/FixtureGenerator/FixtureWriter.cs and regenerate, copy fixtures/manifest.json to "
            + "conformance/Conformance/OfficialManifests/<version>.json, add its SHA-256 to OfficialSuites.VersionByManifestSha256, "
            + "and describe the change in fixtures/CHANGES.md. If not, restore fixtures/ from git.");
        Assert.Equal(FixtureLocation.Set.Manifest.SuiteVersion, version);
        Assert.Equal(new FixtureProvenance(sha256, version), FixtureLocation.Set.Provenance);
    }

    [Fact]
    public void EveryPinnedSuite_HasAnEmbeddedManifestThatHashesToItsPin()
    {
        var embedded = OfficialSuites.EmbeddedManifestBytes().ToDictionary(m => m.Version, m => m.Bytes, StringComparer.Ordinal);

        foreach ((string sha256, string version) in OfficialSuites.VersionByManifestSha256)
        {
            Assert.True(embedded.TryGetValue(version, out byte[]? bytes), $"no conformance/Conformance/OfficialManifests/{version}.json: copy that suite's manifest.json there");
            Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }

        Assert.Equal(OfficialSuites.VersionByManifestSha256.Count, OfficialSuites.LoadEmbeddedManifests().Count);
    }

    [Fact]
    public void CommittedSchemaFiles_AreTheBuiltInSchemasByteForByte()
    {
        foreach ((string fileName, _) in FixtureSchemas.All)
        {
            byte[] committed = File.ReadAllBytes(Path.Combine(FixtureLocation.Directory, FixtureFormat.SchemaFolder, fileName));
            Assert.True(committed.AsSpan().SequenceEqual(FixtureSchemas.FileBytes(fileName)), $"fixtures/schema/{fileName} is not what FixtureSchemas generates: regenerate the fixtures");
        }

        Assert.Empty(FixtureLocation.Set.DifferencesFromOfficial());
    }
}
