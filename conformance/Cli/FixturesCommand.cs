using System.CommandLine;
using System.Diagnostics;
using BatchNormAxis.Conformance;

namespace BatchNormAxis.Cli;

/// <summary><c>bnaxis fixtures verify [--fixtures DIR]</c>: checks a fixture directory's schemas, hashes and consistency.</summary>
internal static class FixturesCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        Option<string?> fixturesOption = new("--fixtures")
        {
            Description = "The fixture directory (holding manifest.json). Default: the nearest fixtures/ above the current directory or the tool.",
        };
        Command verify = new("verify", "Verify every case file against the manifest's SHA-256, its JSON Schema and its own consistency. Exit code 1 if any problem is found.")
        {
            fixturesOption,
        };
        verify.SetAction(parseResult =>
        {
            string directory = FixtureDirectory.Resolve(parseResult.GetValue(fixturesOption));
            var clock = Stopwatch.StartNew();
            FixtureSet set = FixtureSet.Open(directory);
            int total = set.Manifest.Cases.Length;
            IReadOnlyList<FixtureFormatException> problems = set.VerifyAll(done =>
            {
                if (done % 100 == 0)
                {
                    error.WriteLine($"  {done}/{total} cases checked");
                }
            });
            foreach (FixtureFormatException problem in problems)
            {
                output.WriteLine($"problem: {problem.Message}");
            }

            output.WriteLine(problems.Count == 0
                ? $"{total} cases verified in {directory} ({clock.Elapsed.TotalSeconds:F1} s): hashes, schemas and consistency all hold"
                : $"{problems.Count} problems in {directory}; {total} cases listed");
            return problems.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });

        return new Command("fixtures", "Work with the golden fixtures.") { verify };
    }
}
