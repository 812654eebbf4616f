namespace BatchNormAxis.Conformance.Tests;

/// <summary>Finds the repository's fixtures/ folder (or BNAXIS_FIXTURES) from the test's output directory.</summary>
internal static class FixtureLocation
{
    public static string Directory { get; } = Find();

    private static readonly Lazy<FixtureSet> s_set = new(() => FixtureSet.Open(Directory));

    public static FixtureSet Set => s_set.Value;

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("BNAXIS_FIXTURES") is { Length: > 0 } overridden)
        {
            return overridden;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "fixtures");
            if (File.Exists(Path.Combine(candidate, FixtureFormat.ManifestFileName)))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"no fixtures/manifest.json above {AppContext.BaseDirectory}; set BNAXIS_FIXTURES to the fixture directory");
    }
}
