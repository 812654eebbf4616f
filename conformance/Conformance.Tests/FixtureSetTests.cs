using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>The committed fixtures verify, and a corrupted, truncated or tampered copy fails with a clear one-line error.</summary>
public sealed class FixtureSetTests : IDisposable
{
    private const string VictimId = "keep.r2.k1.train.f32";
    private const string VictimPath = "cases/keep/keep.r2.k1.train.f32.json";
    private readonly string _copy = Path.Combine(Path.GetTempPath(), "bnaxis-fixtures-" + Guid.NewGuid().ToString("N"));

    public FixtureSetTests()
    {
        CopyDirectory(FixtureLocation.Directory, _copy);
    }

    public void Dispose() => Directory.Delete(_copy, recursive: true);

    [Fact]
    public void CommittedFixtures_VerifyWithoutProblems()
    {
        Assert.Empty(FixtureLocation.Set.VerifyAll());
        Assert.True(FixtureLocation.Set.Manifest.Cases.Length >= 300);
    }

    [Fact]
    public void ChangedByte_IsReportedWithFileAndCase()
    {
        string path = Path.Combine(_copy, VictimPath);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"epsilon\": 0.001", "\"epsilon\": 0.002", StringComparison.Ordinal));

        FixtureFormatException problem = Assert.Single(FixtureSet.Open(_copy).VerifyAll());

        Assert.Equal(VictimPath, problem.Path);
        Assert.Equal(VictimId, problem.CaseId);
        Assert.Contains("SHA-256", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem.Message);
    }

    [Fact]
    public void TruncatedFile_IsReported()
    {
        string path = Path.Combine(_copy, VictimPath);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..100]);

        var problem = Assert.Throws<FixtureFormatException>(() => FixtureSet.Open(_copy).ReadCase(VictimId));

        Assert.Equal(VictimId, problem.CaseId);
    }

    [Fact]
    public void MissingFile_IsReported()
    {
        File.Delete(Path.Combine(_copy, VictimPath));

        FixtureFormatException problem = Assert.Single(FixtureSet.Open(_copy).VerifyAll());

        Assert.Equal($"{VictimPath} (case {VictimId}): listed in the manifest but not found", problem.Message);
    }

    [Fact]
    public void UnlistedFile_IsReported()
    {
        File.Copy(Path.Combine(_copy, VictimPath), Path.Combine(_copy, "cases/keep/extra.json"));

        FixtureFormatException problem = Assert.Single(FixtureSet.Open(_copy).VerifyAll());

        Assert.Equal("cases/keep/extra.json: not listed in the manifest: expected every case file to be listed", problem.Message);
    }

    [Fact]
    public void SchemaViolation_WithMatchingHash_IsReported()
    {
        // A tamperer who also fixes the hash is still caught by the schema.
        JsonObject fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(_copy, VictimPath)))!.AsObject();
        fixture.Remove("title");
        RewriteWithHash(fixture);

        var problem = Assert.Throws<FixtureFormatException>(() => FixtureSet.Open(_copy).ReadCase(VictimId));

        Assert.Contains("schema violation", problem.Message, StringComparison.Ordinal);
        Assert.Contains("title", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InconsistentKeptAxes_WithMatchingHash_IsReported()
    {
        JsonObject fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(_copy, VictimPath)))!.AsObject();
        fixture["kept_axes"] = new JsonArray(0);
        RewriteWithHash(fixture);

        var problem = Assert.Throws<FixtureFormatException>(() => FixtureSet.Open(_copy).ReadCase(VictimId));

        Assert.Equal($"{VictimPath} (case {VictimId}): kept_axes [0] disagree with axis=1 on shape (5, 3), which keeps [1]", problem.Message);
    }

    [Fact]
    public void ShortTensorData_WithMatchingHash_IsReported()
    {
        JsonObject fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(_copy, VictimPath)))!.AsObject();
        fixture["inputs"]!["x"]!["data"] = Convert.ToBase64String(new byte[12]);
        RewriteWithHash(fixture);

        var problem = Assert.Throws<FixtureFormatException>(() => FixtureSet.Open(_copy).ReadCase(VictimId));

        Assert.Equal($"{VictimPath} (case {VictimId}): inputs.x.data holds 12 bytes: expected 60 (15 float32 values)", problem.Message);
    }

    [Fact]
    public void BrokenManifest_FailsToOpen()
    {
        File.WriteAllText(Path.Combine(_copy, "manifest.json"), "{\"format_version\": \"1.0.0\"}");

        var problem = Assert.Throws<FixtureFormatException>(() => FixtureSet.Open(_copy));

        Assert.StartsWith("manifest.json: schema violation", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ManifestIntegerBeyond32Bits_FailsToOpenWithOneLine()
    {
        // The schema's "integer" admits 1e20; the reader used to throw FormatException (exit 70).
        string manifestPath = Path.Combine(_copy, "manifest.json");
        JsonObject manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        manifest["cases"]!.AsArray().Single(c => (string)c!["id"]! == VictimId)!["shape"] = JsonNode.Parse("[5, 1e20]");
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        var problem = Assert.Throws<FixtureFormatException>(() => FixtureSet.Open(_copy));

        Assert.Equal($"manifest.json (case {VictimId}): 'shape' holds '1e20': expected 32-bit integers", problem.Message);
    }

    [Fact]
    public void WrongCaseCount_IsAVerifyProblem()
    {
        string manifestPath = Path.Combine(_copy, "manifest.json");
        JsonObject manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        manifest["case_count"] = 12;
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        FixtureSet set = FixtureSet.Open(_copy);
        FixtureFormatException problem = Assert.Single(set.VerifyAll());

        Assert.Equal($"manifest.json: case_count is 12 but {set.Manifest.Cases.Length} cases are listed: expected the number of entries (a case was added or removed by hand)", problem.Message);
        Assert.False(set.Provenance.IsOfficial);
    }

    [Fact]
    public void MissingDirectory_FailsToOpenWithAHint()
    {
        var problem = Assert.Throws<FixtureFormatException>(() => FixtureSet.Open(Path.Combine(_copy, "nowhere")));

        Assert.EndsWith("not found: expected a fixture directory holding manifest.json (see fixtures/README.md)", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryCase_RoundTripsThroughTheWriterByteForByte()
    {
        // Reading and writing again gives the committed bytes: the format holds every bit.
        foreach (ManifestEntry entry in FixtureLocation.Set.Manifest.Cases)
        {
            byte[] committed = File.ReadAllBytes(Path.Combine(FixtureLocation.Directory, entry.Path));
            Assert.True(committed.AsSpan().SequenceEqual(FixtureJsonWriter.Write(FixtureLocation.Set.ReadCase(entry.Id))), $"{entry.Id} does not round-trip");
        }
    }

    private void RewriteWithHash(JsonObject fixture)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(fixture.ToJsonString() + "\n");
        File.WriteAllBytes(Path.Combine(_copy, VictimPath), bytes);
        string manifestPath = Path.Combine(_copy, "manifest.json");
        JsonObject manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        JsonNode entry = manifest["cases"]!.AsArray().Single(c => (string)c!["id"]! == VictimId)!;
        entry["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes));
        File.WriteAllText(manifestPath, manifest.ToJsonString());
    }

    private static void CopyDirectory(string source, string destination)
    {
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
