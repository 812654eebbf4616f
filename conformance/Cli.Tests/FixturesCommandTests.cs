namespace BatchNormAxis.Cli.Tests;

public class FixturesCommandTests
{
    private static string RepositoryFixtures()
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

    [Fact]
    public void Verify_CommittedFixtures_ExitsZero()
    {
        CliResult result = CliRun.Invoke("fixtures", "verify", "--fixtures", RepositoryFixtures());

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^\d+ cases verified in .+: hashes, schemas and consistency all hold\n$", result.Output);
    }

    [Fact]
    public void Verify_TamperedCopy_ListsTheProblemAndExitsOne()
    {
        string copy = Path.Combine(Path.GetTempPath(), "bnaxis-cli-" + Guid.NewGuid().ToString("N"));
        try
        {
            string source = RepositoryFixtures();
            foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                string target = Path.Combine(copy, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            string victim = Path.Combine(copy, "cases", "frozen", "frozen.r4.k3.f32.json");
            File.AppendAllText(victim, " ");

            CliResult result = CliRun.Invoke("fixtures", "verify", "--fixtures", copy);

            Assert.Equal(1, result.ExitCode);
            string[] lines = result.Output.TrimEnd('\n').Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("problem: cases/frozen/frozen.r4.k3.f32.json (case frozen.r4.k3.f32): SHA-256 is ", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("1 problems in ", lines[1], StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void Verify_NotAFixtureDirectory_IsAUsageError()
    {
        CliResult result = CliRun.Invoke("fixtures", "verify", "--fixtures", "/nonexistent/place");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("bnaxis: --fixtures '/nonexistent/place' holds no manifest.json: expected a fixture directory such as the repository's fixtures/" + Environment.NewLine, result.Error);
    }
}
