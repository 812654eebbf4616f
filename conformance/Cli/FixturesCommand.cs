using System.CommandLine;
using System.Diagnostics;
using BatchNormAxis.Conformance;

namespace BatchNormAxis.Cli;

/// <summary>
/// <c>bnaxis fixtures verify [--fixtures DIR]</c>: checks a fixture folder's integrity (confinement, file types,
/// sizes, hashes, the built-in schemas, consistency, case_count) and whether it is an official suite.
/// </summary>
internal static class FixturesCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        Option<string?> fixturesOption = new("--fixtures")
        {
            Description = FixtureDirectory.OptionDescription,
            HelpName = "DIR",
        };
        Command verify = new("verify", "Verify a fixture folder: every path inside it and a regular file within the size limits, every case against the manifest's SHA-256, the built-in JSON Schemas and its own consistency, case_count, and whether the manifest is an official suite's (naming each difference). Exit code 0 for an intact official suite, 1 for any problem or difference.")
        {
            fixturesOption,
        };
        verify.SetAction(parseResult => Verify(FixtureDirectory.Resolve(parseResult.GetValue(fixturesOption)), output, error));
        Command fixtures = new("fixtures", "Work with the golden fixtures.") { verify };
        BnaxisCommand.ShowHelpWithoutSubcommand(fixtures);
        return fixtures;
    }

    private static int Verify(string directory, TextWriter output, TextWriter error)
    {
        var clock = Stopwatch.StartNew();
        FixtureSet set;
        try
        {
            set = FixtureSet.Open(directory);
        }
        catch (FixtureFormatException problem)
        {
            output.WriteLine($"problem: {problem.Message}");
            output.WriteLine($"the manifest of {directory} cannot be used: nothing else was checked");
            return ExitCodes.Failure;
        }

        int total = set.Manifest.Cases.Length;
        IReadOnlyList<FixtureFormatException> problems = set.VerifyAll(done =>
        {
            if (done % 100 == 0)
            {
                error.WriteLine($"  {done}/{total} cases checked");
            }
        });
        IReadOnlyList<FixtureDifference> differences = set.DifferencesFromOfficial();
        foreach (FixtureFormatException problem in problems)
        {
            output.WriteLine($"problem: {problem.Message}");
        }

        foreach (FixtureDifference difference in differences)
        {
            output.WriteLine($"differs: {difference.Message}");
        }

        FixtureProvenance provenance = set.Provenance;
        string differenceCount = differences.Count == 1 ? "1 difference" : $"{differences.Count} differences";
        output.WriteLine(provenance.IsOfficial
            ? $"official suite {provenance.OfficialSuiteVersion} (manifest SHA-256 {provenance.ManifestSha256}){(differences.Count == 0 ? "" : $", but its schema/ folder has {differenceCount} from the built-in schemas (listed above)")}"
            : $"modified suite: manifest SHA-256 {provenance.ManifestSha256} is not the manifest of any official suite ({differenceCount} listed above)");
        output.WriteLine(problems.Count == 0
            ? $"{total} cases verified in {directory} ({clock.Elapsed.TotalSeconds:F1} s): hashes, schemas and consistency all hold"
            : $"{problems.Count} problems in {directory}; {total} cases listed");
        return problems.Count == 0 && differences.Count == 0 && provenance.IsOfficial ? ExitCodes.Success : ExitCodes.Failure;
    }
}
