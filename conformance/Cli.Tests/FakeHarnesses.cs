namespace BatchNormAxis.Cli.Tests;

/// <summary>Where the fake harness and the fixtures are, from the test's output directory.</summary>
internal static class FakeHarnesses
{
    /// <summary>A harness command that misbehaves in the given way (see conformance/FakeHarness/Program.cs).</summary>
    public static string Command(string mode)
    {
        // bin/<Configuration>/net10.0 of this project -> the same of FakeHarness.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = output.Parent!.Name;
        string dll = Path.GetFullPath(Path.Combine(output.FullName, "..", "..", "..", "..", "FakeHarness", "bin", configuration, output.Name, "FakeHarness.dll"));
        return File.Exists(dll) ? $"dotnet '{dll}' {mode}" : throw new InvalidOperationException($"FakeHarness not built at {dll}");
    }

    public static string Fixtures()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "fixtures", "manifest.json")))
            {
                return Path.Combine(directory.FullName, "fixtures");
            }
        }

        throw new InvalidOperationException("fixtures/ not found above the test directory");
    }

    /// <summary>A schema of conformance/protocol in the repository (found from the solution file, not the fixtures, which the tool also copies next to itself).</summary>
    public static string Protocol(string schema)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Conformance.sln")))
            {
                return Path.Combine(directory.FullName, "conformance", "protocol", schema);
            }
        }

        throw new InvalidOperationException("Conformance.sln not found above the test directory");
    }
}
