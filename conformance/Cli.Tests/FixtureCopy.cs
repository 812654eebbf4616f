using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace BatchNormAxis.Cli.Tests;

/// <summary>A temporary copy of the repository's fixtures/ to tamper with, and `bnaxis fixtures verify` run on it under a time guard.</summary>
internal sealed class FixtureCopy : IDisposable
{
    public const string VictimId = "keep.r2.k1.train.f32";
    public const string VictimPath = "cases/keep/keep.r2.k1.train.f32.json";

    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(120);

    public FixtureCopy()
    {
        Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bnaxis-tampered-" + Guid.NewGuid().ToString("N"));
        Directory = System.IO.Path.Combine(Root, "fixtures");
        Outside = System.IO.Path.Combine(Root, "outside");
        System.IO.Directory.CreateDirectory(Outside);
        string source = FakeHarnesses.Fixtures();
        foreach (string file in System.IO.Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = System.IO.Path.Combine(Directory, System.IO.Path.GetRelativePath(source, file));
            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>Holds the copy and a folder beside it, the "outside" a hostile path points to.</summary>
    public string Root { get; }

    /// <summary>The fixture folder.</summary>
    public string Directory { get; }

    /// <summary>A folder outside the fixture folder.</summary>
    public string Outside { get; }

    public string Path(string relative) => System.IO.Path.Combine(Directory, relative);

    public JsonObject ReadManifest() => JsonNode.Parse(File.ReadAllText(Path("manifest.json")))!.AsObject();

    public void WriteManifest(JsonObject manifest) => File.WriteAllText(Path("manifest.json"), manifest.ToJsonString());

    public void EditManifest(Action<JsonObject> edit)
    {
        JsonObject manifest = ReadManifest();
        edit(manifest);
        WriteManifest(manifest);
    }

    public static JsonObject Entry(JsonObject manifest, string id) =>
        manifest["cases"]!.AsArray().Single(c => (string)c!["id"]! == id)!.AsObject();

    /// <summary>Rewrites a case file and updates its sha256 in the manifest, as a careful tamperer would.</summary>
    public void RewriteCaseWithHash(string id, string relative, Action<JsonObject> edit)
    {
        JsonObject fixture = JsonNode.Parse(File.ReadAllText(Path(relative)))!.AsObject();
        edit(fixture);
        byte[] bytes = Encoding.UTF8.GetBytes(fixture.ToJsonString() + "\n");
        File.WriteAllBytes(Path(relative), bytes);
        EditManifest(manifest => Entry(manifest, id)["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    /// <summary>Runs `bnaxis fixtures verify` on the copy; fails the test if it has not finished within the guard.</summary>
    /// <param name="onTimeout">Releases whatever blocks it (e.g. opens a FIFO's writing end), so no thread stays stuck.</param>
    public CliResult Verify(Action? onTimeout = null)
    {
        Task<CliResult> run = Task.Run(() => CliRun.Invoke("fixtures", "verify", "--fixtures", Directory));
        if (!run.Wait(s_guard))
        {
            onTimeout?.Invoke();
            Assert.Fail($"fixtures verify did not finish within {s_guard.TotalSeconds} s");
        }

        return run.Result;
    }

    public void Dispose() => System.IO.Directory.Delete(Root, recursive: true);
}
