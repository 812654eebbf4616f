using System.CommandLine;
using System.Globalization;
using BatchNormAxis.Conformance;
using BatchNormAxis.Conformance.Reports;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Cli;

/// <summary><c>bnaxis run</c>: the conformance run against a built-in implementation or a harness.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        Option<string?> implOption = new("--impl") { Description = "A built-in implementation: fast (default) or scalar (the plain reference)." };
        Option<string?> harnessOption = new("--harness") { Description = "A shell command that starts your harness; it speaks docs/protocol.md on stdin/stdout." };
        Option<string?> fixturesOption = new("--fixtures") { Description = "The fixture directory. Default: the nearest fixtures/ above the current directory or the tool." };
        Option<string[]> filterOption = new("--filter") { Description = "Run only cases whose id matches one of these globs (* and ?; never regex). Repeatable.", AllowMultipleArgumentsPerToken = true };
        Option<string?> expectationsOption = new("--expectations") { Description = "A JSON file of known failures and skips, each with a reason (docs/protocol.md)." };
        Option<double> startupTimeoutOption = new("--startup-timeout") { Description = "Seconds the harness may take to answer start.", DefaultValueFactory = _ => 30 };
        Option<double> caseTimeoutOption = new("--case-timeout") { Description = "Seconds the harness may take per case; on timeout its process group is killed.", DefaultValueFactory = _ => 10 };
        Option<string?> jsonOption = new("--json") { Description = "Write the JSON report to this file (overwritten)." };
        Option<string?> junitOption = new("--junit") { Description = "Write a JUnit XML report to this file (overwritten)." };
        Option<string?> htmlOption = new("--html") { Description = "Write a self-contained HTML report to this file (overwritten)." };

        Command command = new("run", "Run the conformance suite against a built-in implementation or your harness, with diagnosis of every failure. Exit codes: 0 every required case passes and nothing unexpected failed, 1 failures, 2 invalid command line or input, 3 harness unusable.")
        {
            implOption, harnessOption, fixturesOption, filterOption, expectationsOption, startupTimeoutOption, caseTimeoutOption, jsonOption, junitOption, htmlOption,
        };
        command.SetAction(parseResult =>
        {
            string? harness = parseResult.GetValue(harnessOption);
            string? impl = parseResult.GetValue(implOption);
            if (harness is not null && impl is not null)
            {
                throw new CommandLineValueException("give --impl or --harness, not both");
            }

            double startupTimeout = Positive(parseResult.GetValue(startupTimeoutOption), "--startup-timeout");
            double caseTimeout = Positive(parseResult.GetValue(caseTimeoutOption), "--case-timeout");
            FixtureSet fixtures = FixtureSet.Open(FixtureDirectory.Resolve(parseResult.GetValue(fixturesOption)));
            IReadOnlyList<ManifestEntry> selected = Select(fixtures, parseResult.GetValue(filterOption) ?? []);
            Expectations expectations = LoadExpectations(parseResult.GetValue(expectationsOption));

            ICaseDriver driver;
            try
            {
                driver = harness is null
                    ? new InProcessDriver(BuiltInImplementations.Get(impl ?? BuiltInImplementations.Default))
                    : HarnessDriver.Start(harness, new HarnessLimits(TimeSpan.FromSeconds(startupTimeout), TimeSpan.FromSeconds(caseTimeout)));
            }
            catch (HarnessUnusableException exception)
            {
                error.WriteLine($"bnaxis: harness unusable: {exception.Message}");
                return ExitCodes.HarnessUnusable;
            }

            RunReport report;
            using (driver)
            {
                error.WriteLine($"Running {selected.Count} cases on {driver.Capabilities.Name} {driver.Capabilities.Version}".TrimEnd());
                var progress = new ProgressLine(error, selected.Count);
                report = ConformanceRunner.Run(fixtures, selected, driver, expectations, harness, progress.Report);
                progress.Finish();
            }

            WriteReport(parseResult.GetValue(jsonOption), JsonReportWriter.Write(report));
            WriteReport(parseResult.GetValue(junitOption), JUnitReportWriter.Write(report));
            WriteReport(parseResult.GetValue(htmlOption), HtmlReportWriter.Write(report));
            ConsoleReport.Write(output, report);
            return report.Failed == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static double Positive(double value, string option) =>
        value > 0 && double.IsFinite(value)
            ? value
            : throw new CommandLineValueException($"{option} {value.ToString(CultureInfo.InvariantCulture)} is not usable: expected a positive number of seconds");

    private static System.Collections.Immutable.ImmutableArray<ManifestEntry> Select(FixtureSet fixtures, string[] filters)
    {
        string[] patterns = [.. filters.SelectMany(f => f.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
        if (patterns.Length == 0)
        {
            return fixtures.Manifest.Cases;
        }

        foreach (string pattern in patterns)
        {
            if (!fixtures.Manifest.Cases.Any(c => Glob.IsMatch(pattern, c.Id)))
            {
                throw new CommandLineValueException($"--filter '{pattern}' matches no case id: expected an id or a glob such as keep.r4.* (see fixtures/manifest.json)");
            }
        }

        return [.. fixtures.Manifest.Cases.Where(c => patterns.Any(p => Glob.IsMatch(p, c.Id)))];
    }

    private static Expectations LoadExpectations(string? path)
    {
        try
        {
            return path is null ? Expectations.None : Expectations.Load(path);
        }
        catch (FormatException exception)
        {
            throw new CommandLineValueException(exception.Message);
        }
    }

    /// <summary>Writes a report file whole or not at all: to a temporary file first, then moved into place.</summary>
    private static void WriteReport(string? path, string text)
    {
        if (path is null)
        {
            return;
        }

        string full = Path.GetFullPath(path);
        string? directory = Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory))
        {
            throw new CommandLineValueException($"cannot write report '{path}': the directory {directory} does not exist");
        }

        string temporary = full + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, full, overwrite: true);
    }
}
