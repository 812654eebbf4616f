using System.IO.Compression;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// How the native binary's built-in fixtures reach the disk (EmbeddedFixtures): unpacked once into a folder named by
/// the zip's hash, reused after, never half-written under that name, and a cache that cannot be written is one line.
/// The native binary itself is exercised end to end by .ci/run's "native bnaxis" step.
/// </summary>
public sealed class EmbeddedFixturesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bnaxis-embedded-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Unpack_TheCommittedFixtures_GivesAFolderThatVerifiesAsTheOfficialSuite()
    {
        using MemoryStream zip = Zip(FakeHarnesses.Fixtures());

        string directory = EmbeddedFixtures.Unpack(zip, Path.Combine(_root, "cache"));

        Assert.Equal(Path.Combine(_root, "cache"), Path.GetDirectoryName(directory));
        Assert.Matches("^fixtures-[0-9a-f]{16}$", Path.GetFileName(directory));
        CliResult verify = CliRun.Invoke("fixtures", "verify", "--fixtures", directory);
        Assert.Equal(0, verify.ExitCode);
        Assert.StartsWith("official suite ", verify.Output, StringComparison.Ordinal);
        Assert.Single(Directory.GetFileSystemEntries(Path.Combine(_root, "cache")));
    }

    [Fact]
    public void Unpack_Again_ReusesTheFolderWithoutWriting()
    {
        using MemoryStream zip = Zip(SmallFixtures());
        string first = EmbeddedFixtures.Unpack(zip, _root);
        File.WriteAllText(Path.Combine(first, "marker"), "left by the test");

        string second = EmbeddedFixtures.Unpack(zip, _root);

        Assert.Equal(first, second);
        Assert.True(File.Exists(Path.Combine(second, "marker")));
    }

    [Fact]
    public void Unpack_OtherFixtures_GetAnotherFolder()
    {
        using MemoryStream one = Zip(SmallFixtures("one"));
        using MemoryStream two = Zip(SmallFixtures("two"));

        Assert.NotEqual(EmbeddedFixtures.Unpack(one, _root), EmbeddedFixtures.Unpack(two, _root));
    }

    [Fact]
    public async Task Unpack_ByManyAtOnce_EndsWithOneCompleteFolder()
    {
        byte[] bytes = Zip(SmallFixtures()).ToArray();
        string cache = Path.Combine(_root, "cache");

        string[] directories = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => EmbeddedFixtures.Unpack(new MemoryStream(bytes), cache))));

        Assert.Single(directories.Distinct());
        Assert.Equal("{\"case\": \"x\"}", File.ReadAllText(Path.Combine(directories[0], "cases", "x.json")));
        Assert.Equal([directories[0]], Directory.GetFileSystemEntries(cache));
    }

    [Fact]
    public void Unpack_IntoACacheThatIsAFile_IsOneLineNamingTheFolder()
    {
        string notAFolder = Path.Combine(_root, "cache");
        File.WriteAllText(notAFolder, "");
        using MemoryStream zip = Zip(SmallFixtures());

        CommandLineValueException refusal = Assert.Throws<CommandLineValueException>(() => EmbeddedFixtures.Unpack(zip, notAFolder));

        Assert.StartsWith($"cannot unpack the built-in fixtures into '{notAFolder}': ", refusal.Message, StringComparison.Ordinal);
        Assert.EndsWith("(set XDG_CACHE_HOME to a writable folder, or pass --fixtures DIR)", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refusal.Message);
    }

    [Fact]
    public void CacheRoot_FollowsAnAbsoluteXdgCacheHome()
    {
        Assert.Equal(Path.Combine("/var/cache/me", "bnaxis"), EmbeddedFixtures.CacheRoot(name => name == "XDG_CACHE_HOME" ? "/var/cache/me" : null));
    }

    [Theory]
    [InlineData("relative/cache")]
    [InlineData("")]
    [InlineData(null)]
    public void CacheRoot_IgnoresARelativeOrMissingXdgCacheHome(string? value)
    {
        string root = EmbeddedFixtures.CacheRoot(_ => value);

        Assert.True(Path.IsPathFullyQualified(root), root);
        Assert.Equal("bnaxis", Path.GetFileName(root));
        Assert.DoesNotContain("relative", root, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTestBuild_CarriesNoFixturesResource_SoTheToolUsesItsFolder()
    {
        // Only the native publish embeds the zip; the .NET tool ships fixtures/ beside itself and must not carry both.
        Assert.Null(typeof(EmbeddedFixtures).Assembly.GetManifestResourceStream(EmbeddedFixtures.ResourceName));
    }

    private string SmallFixtures(string content = "x")
    {
        string directory = Path.Combine(_root, "source-" + content);
        Directory.CreateDirectory(Path.Combine(directory, "cases"));
        File.WriteAllText(Path.Combine(directory, "manifest.json"), $"{{\"content\": \"{content}\"}}");
        File.WriteAllText(Path.Combine(directory, "cases", "x.json"), "{\"case\": \"x\"}");
        return directory;
    }

    private static MemoryStream Zip(string directory)
    {
        var zip = new MemoryStream();
        ZipFile.CreateFromDirectory(directory, zip);
        zip.Position = 0;
        return zip;
    }
}
