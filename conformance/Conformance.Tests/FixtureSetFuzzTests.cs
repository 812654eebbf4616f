using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// Whatever a tampered manifest or case holds, <see cref="FixtureSet.Open"/> throws nothing but a one-line
/// <see cref="FixtureFormatException"/>, and <see cref="FixtureSet.VerifyAll"/> and
/// <see cref="FixtureSet.DifferencesFromOfficial"/> throw nothing at all. Runs on a small folder of three cases
/// (a forward, a sequence and an invalid one) so hundreds of variants stay quick; one thread, as they share the folder.
/// </summary>
public sealed class FixtureSetFuzzTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bnaxis-fuzz-" + Guid.NewGuid().ToString("N"));
    private readonly byte[] _manifest;
    private readonly ManifestEntry _forward;

    public FixtureSetFuzzTests()
    {
        ManifestEntry[] chosen =
        [
            FixtureLocation.Set.Manifest.Cases.First(c => c.Kind == FixtureKind.Forward),
            FixtureLocation.Set.Manifest.Cases.First(c => c.Kind == FixtureKind.Sequence),
            FixtureLocation.Set.Manifest.Cases.First(c => c.Kind == FixtureKind.Invalid),
        ];
        _forward = chosen[0];
        foreach (ManifestEntry entry in chosen)
        {
            string target = Path.Combine(_folder, entry.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(FixtureLocation.Directory, entry.Path), target);
        }

        _manifest = FixtureManifestJson.Write(FixtureLocation.Set.Manifest with { Cases = [.. chosen] });
        File.WriteAllBytes(Path.Combine(_folder, FixtureFormat.ManifestFileName), _manifest);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void SmallFolder_IsIntactButNotOfficial()
    {
        FixtureSet set = FixtureSet.Open(_folder);

        Assert.Empty(set.VerifyAll());
        Assert.False(set.Provenance.IsOfficial);
        Assert.Contains(set.DifferencesFromOfficial(), d => d.Message == "manifest.json: case_count is '3' but official suite 0.4.0 says '391'");
    }

    [Fact]
    public void AnyMutationOfTheManifest_IsAProblemNeverAnException()
    {
        string manifestPath = Path.Combine(_folder, FixtureFormat.ManifestFileName);
        JsonMutation.Edits(JsonMutation.Nodes(JsonNode.Parse(_manifest)!).Count).Sample(edits =>
        {
            File.WriteAllText(manifestPath, JsonMutation.Apply(_manifest, edits).ToJsonString());
            FixtureSet set;
            try
            {
                set = FixtureSet.Open(_folder);
            }
            catch (FixtureFormatException problem)
            {
                Assert.DoesNotContain('\n', problem.Message);
                return;
            }

            Assert.All(set.VerifyAll(), p => Assert.DoesNotContain('\n', p.Message));
            Assert.All(set.DifferencesFromOfficial(), d => Assert.DoesNotContain('\n', d.Message));
        }, iter: 500, threads: 1);
    }

    [Fact]
    public void AnyMutationOfACase_WithItsHashUpdated_IsAProblemNeverAnException()
    {
        string casePath = Path.Combine(_folder, _forward.Path);
        byte[] original = File.ReadAllBytes(casePath);
        JsonMutation.Edits(JsonMutation.Nodes(JsonNode.Parse(original)!).Count).Sample(edits =>
        {
            byte[] bytes = Encoding.UTF8.GetBytes(JsonMutation.Apply(original, edits).ToJsonString());
            File.WriteAllBytes(casePath, bytes);
            JsonObject manifest = JsonNode.Parse(_manifest)!.AsObject();
            manifest["cases"]![0]!["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes));
            File.WriteAllText(Path.Combine(_folder, FixtureFormat.ManifestFileName), manifest.ToJsonString());

            IReadOnlyList<FixtureFormatException> problems = FixtureSet.Open(_folder).VerifyAll();

            Assert.All(problems, p => Assert.DoesNotContain('\n', p.Message));
        }, iter: 500, threads: 1);
    }
}
