using BatchNormAxis.Conformance;

namespace BatchNormAxis.Cli;

/// <summary>
/// Where the fixtures are: the directory given, else the nearest fixtures/ above the current directory or the tool,
/// else (in the native binary, which carries them) the built-in copy unpacked by <see cref="EmbeddedFixtures"/>.
/// </summary>
internal static class FixtureDirectory
{
    /// <summary>The help text of every <c>--fixtures</c> option.</summary>
    public const string OptionDescription =
        "The fixture directory (holding manifest.json). Default: the nearest fixtures/ above the current directory or the tool; the native binary falls back to the fixtures built into it.";

    public static string Resolve(string? given)
    {
        if (given is not null)
        {
            return File.Exists(Path.Combine(given, FixtureFormat.ManifestFileName))
                ? Path.GetFullPath(given)
                : throw new CommandLineValueException($"--fixtures '{given}' holds no {FixtureFormat.ManifestFileName}: expected a fixture directory such as the repository's fixtures/");
        }

        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                string candidate = Path.Combine(directory.FullName, "fixtures");
                if (File.Exists(Path.Combine(candidate, FixtureFormat.ManifestFileName)))
                {
                    return candidate;
                }
            }
        }

        return EmbeddedFixtures.Unpack()
            ?? throw new CommandLineValueException("no fixtures/manifest.json above the current directory or the tool: pass --fixtures DIR");
    }
}
