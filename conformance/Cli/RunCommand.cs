using System.CommandLine;
using System.Globalization;
using BatchNormAxis.Conformance;
using BatchNormAxis.Conformance.Reports;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Cli;

/// <summary>
/// <c>bnaxis run</c>: the conformance run against a built-in implementation or a harness. Everything that can be
/// checked is checked before the first case (arguments, report destinations, every fixture hash); once cases run,
/// the reports are written on every way out: the end, an unusable harness, SIGINT or SIGTERM, an internal error.
/// </summary>
internal static class RunCommand
{
    /// <summary>The shortest timeout accepted, in seconds: shorter than any process can answer in.</summary>
    public const double MinTimeoutSeconds = 0.01;

    /// <summary>The longest timeout accepted, in seconds (an hour).</summary>
    public const double MaxTimeoutSeconds = 3600;

    /// <summary>The smallest --max-line-bytes accepted: a start reply must fit.</summary>
    public const int MinLineBytes = 1024;

    /// <summary>The largest --max-line-bytes accepted (1 GiB): one line is held in memory while it is read.</summary>
    public const int LargestLineBytes = 1 << 30;

    public static Command Create(TextWriter output, TextWriter error)
    {
        Option<string?> implOption = new("--impl") { Description = "A built-in implementation: fast (default) or scalar (the plain reference).", HelpName = BuiltInImplementations.HelpName };
        Option<string?> harnessOption = new("--harness") { Description = "A shell command that starts your harness; it speaks docs/protocol.md on stdin/stdout.", HelpName = "COMMAND" };
        Option<string?> fixturesOption = new("--fixtures") { Description = FixtureDirectory.OptionDescription, HelpName = "DIR" };
        Option<bool> allowModifiedOption = new("--allow-modified-fixtures") { Description = "Run a fixture directory that is not an official suite (its manifest is not one this bnaxis ships); refused without it. The reports record the manifest's SHA-256." };
        Option<string[]> filterOption = new("--filter") { Description = "Run only cases whose id matches one of these globs (* and ?; never regex). Repeatable.", HelpName = "GLOB", AllowMultipleArgumentsPerToken = true };
        Option<string?> expectationsOption = new("--expectations") { Description = "A JSON file of known failures and skips, each with a reason (docs/protocol.md).", HelpName = "FILE" };
        Option<double> startupTimeoutOption = new("--startup-timeout") { Description = "Seconds the harness may take to answer start: 0.01 to 3600.", HelpName = "SECONDS", DefaultValueFactory = _ => 30 };
        Option<double> caseTimeoutOption = new("--case-timeout") { Description = "Seconds the harness may take per case, 0.01 to 3600; on timeout its process group is killed.", HelpName = "SECONDS", DefaultValueFactory = _ => 10 };
        Option<string?> jsonOption = new("--json") { Description = "Write the JSON report to this file (replaced; checked before the first case).", HelpName = "FILE" };
        Option<string?> junitOption = new("--junit") { Description = "Write a JUnit XML report to this file (replaced; checked before the first case).", HelpName = "FILE" };
        Option<string?> htmlOption = new("--html") { Description = "Write a self-contained HTML report to this file (replaced; checked before the first case).", HelpName = "FILE" };
        Option<int> maxLineOption = new("--max-line-bytes") { Description = $"The longest line read from the harness, in bytes: {MinLineBytes} to {LargestLineBytes}; a longer reply is a protocol error for its case. Default: {HarnessLimits.DefaultMaxLineBytes} (16 MiB; the largest reply to an official case is about 25 KB).", HelpName = "BYTES", DefaultValueFactory = _ => HarnessLimits.DefaultMaxLineBytes };
        Option<bool> followSymlinksOption = new("--follow-report-symlinks") { Description = "Let a report path be a symbolic link and write the regular file it leads to; refused without it." };

        Command command = new("run", "Run the conformance suite against a built-in implementation or your harness, with diagnosis of every failure. Exit codes: 0 every required case passes and nothing unexpected failed, 1 failures or an interrupted run (SIGINT, SIGTERM), 2 invalid command line or input (including a value out of range, a report path that cannot be written, and fixtures that fail verification or are a modified suite), 3 harness unusable, 70 internal error.")
        {
            implOption, harnessOption, fixturesOption, allowModifiedOption, filterOption, expectationsOption, startupTimeoutOption, caseTimeoutOption, maxLineOption, jsonOption, junitOption, htmlOption, followSymlinksOption,
        };
        command.SetAction(parseResult =>
        {
            string? harness = parseResult.GetValue(harnessOption);
            string? impl = parseResult.GetValue(implOption);
            if (harness is not null && impl is not null)
            {
                throw new CommandLineValueException("give --impl or --harness, not both");
            }

            if (harness is not null && string.IsNullOrWhiteSpace(harness))
            {
                throw new CommandLineValueException($"--harness {CommandLineValues.Quoted(harness)} is empty: expected the shell command that starts your harness");
            }

            IBatchNormalization? builtIn = harness is null ? BuiltInImplementations.Get(impl ?? BuiltInImplementations.Default) : null;
            var limits = new HarnessLimits(
                Timeout(parseResult.GetValue(startupTimeoutOption), "--startup-timeout"),
                Timeout(parseResult.GetValue(caseTimeoutOption), "--case-timeout"))
            {
                MaxLineBytes = LineBytes(parseResult.GetValue(maxLineOption)),
            };
            string[] filters = parseResult.GetValue(filterOption) ?? [];
            string? expectationsPath = parseResult.GetValue(expectationsOption);
            RunReports reports = RunReports.Check(
                parseResult.GetValue(jsonOption),
                parseResult.GetValue(junitOption),
                parseResult.GetValue(htmlOption),
                parseResult.GetValue(followSymlinksOption),
                expectationsPath);

            FixtureSet? fixtures = VerifiedFixtures(parseResult.GetValue(fixturesOption), parseResult.GetValue(allowModifiedOption), error);
            if (fixtures is null)
            {
                return ExitCodes.UsageError;
            }

            IReadOnlyList<ManifestEntry> selected = Select(fixtures, filters);
            Expectations expectations = LoadExpectations(expectationsPath);
            var run = new RunSetup(fixtures, selected, expectations, harness, reports);
            return builtIn is null
                ? Execute(run, interrupted => HarnessDriver.Start(harness!, limits, interrupted), output, error)
                : Execute(run, _ => new InProcessDriver(builtIn), output, error);
        });
        return command;
    }

    /// <summary>Everything a run needs once the command line is checked.</summary>
    private sealed record RunSetup(FixtureSet Fixtures, IReadOnlyList<ManifestEntry> Selected, Expectations Expectations, string? Harness, RunReports Reports);

    /// <summary>Starts the implementation, runs the cases and writes every report, whatever stops the run.</summary>
    private static int Execute(RunSetup run, Func<CancellationToken, ICaseDriver> start, TextWriter output, TextWriter error)
    {
        // From here on a signal no longer kills bnaxis outright: it ends the harness and the reports still get written.
        using var interruption = new RunInterruption();
        ICaseDriver driver;
        try
        {
            driver = start(interruption.Token);
        }
        catch (Exception exception) when (exception is HarnessUnusableException || (exception is OperationCanceledException && interruption.Signal is not null))
        {
            // A signal while the harness started is what the user did (the handshake is cancelled and the harness's
            // group killed); the harness's failure to start may be its own doing.
            (string reason, string line, int code) = interruption.Signal is { } received
                ? ($"interrupted by {received} while the harness was starting", $"interrupted by {received} while the harness was starting; no case ran", ExitCodes.Failure)
                : ($"the harness is unusable: {exception.Message}", $"harness unusable: {CommandLineValues.Escape(exception.Message)}", ExitCodes.HarnessUnusable);
            RunReports.Outcome written = run.Reports.WriteAll(ConformanceRunner.NothingRan(run.Fixtures, run.Harness, reason), error);
            error.WriteLine($"bnaxis: {line}");
            return written.ExitCode(code);
        }

        RunReport report;
        int exitCode;
        string? lastLine = null;
        Exception? endFailure = null;
        interruption.Watch(driver);
        // The harness's name and version follow the reports' rule, so they read the same here as in the summary.
        error.WriteLine($"Running {run.Selected.Count} cases on {ReportText.OneLine(driver.Capabilities.Name)} {ReportText.OneLine(driver.Capabilities.Version)}".TrimEnd());
        var progress = new ProgressLine(error, run.Selected.Count);
        try
        {
            report = ConformanceRunner.Run(run.Fixtures, run.Selected, driver, run.Expectations, run.Harness, progress.Report, interruption.Token);
            exitCode = report.Failed == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }
        catch (RunStoppedException stopped) when (stopped.InnerException is HarnessUnusableException unusable && interruption.Signal is null)
        {
            report = stopped.Report;
            exitCode = ExitCodes.HarnessUnusable;
            lastLine = $"harness unusable: {CommandLineValues.Escape(unusable.Message)}";
        }
        catch (RunStoppedException stopped) when (stopped.InnerException is not HarnessUnusableException)
        {
            report = stopped.Report;
            exitCode = ExitCodes.InternalError;
            lastLine = BnaxisCommand.InternalErrorLine(stopped.InnerException!);
        }
        catch (RunStoppedException stopped)
        {
            report = stopped.Report; // the harness died of the interruption; the signal is what to report
            exitCode = ExitCodes.Failure;
        }
        finally
        {
            endFailure = End(driver);
        }

        progress.Finish(report.Cases.Count);
        if (interruption.Signal is { } signal && report.Incomplete is not null && exitCode != ExitCodes.InternalError)
        {
            report = report with { Incomplete = $"interrupted by {signal} after {report.Cases.Count} of {run.Selected.Count} cases" };
            exitCode = ExitCodes.Failure;
            lastLine = $"{report.Incomplete}; the reports hold the cases that ran";
        }

        if (endFailure is not null && exitCode != ExitCodes.InternalError)
        {
            exitCode = ExitCodes.InternalError;
            lastLine = BnaxisCommand.InternalErrorLine(endFailure);
        }

        RunReports.Outcome outcome = run.Reports.WriteAll(report, error);
        ConsoleReport.Write(output, report);
        if (lastLine is not null)
        {
            error.WriteLine($"bnaxis: {lastLine}");
        }

        return outcome.ExitCode(exitCode);
    }

    /// <summary>Ends the implementation; a failure to do so is a bug to report (exit 70), but never costs the reports.</summary>
    private static Exception? End(ICaseDriver driver)
    {
        try
        {
            driver.Dispose();
            return null;
        }
#pragma warning disable CA1031 // The reports come first; the failure is reported after them.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return exception;
        }
    }

    /// <summary>Opens the fixtures and verifies every case before anything runs; null (after one line per problem) if they cannot be used.</summary>
    private static FixtureSet? VerifiedFixtures(string? given, bool allowModified, TextWriter error)
    {
        FixtureSet fixtures;
        try
        {
            fixtures = FixtureSet.Open(FixtureDirectory.Resolve(given));
        }
        catch (FixtureFormatException exception)
        {
            error.WriteLine($"bnaxis: the fixtures cannot be used: {CommandLineValues.Escape(exception.Message)}");
            return null;
        }

        FixtureProvenance provenance = fixtures.Provenance;
        string modified = $"the fixtures in {CommandLineValues.Quoted(fixtures.Directory)} are a modified suite (manifest.json SHA-256 {provenance.ManifestSha256} is not one this bnaxis ships)";
        if (!provenance.IsOfficial && !allowModified)
        {
            error.WriteLine($"bnaxis: {modified}: expected an official suite, or pass --allow-modified-fixtures to run it anyway");
            return null;
        }

        if (!provenance.IsOfficial)
        {
            error.WriteLine($"bnaxis: warning: {modified}; running it as asked, and the reports record that hash");
        }

        IReadOnlyList<FixtureFormatException> problems = fixtures.VerifyAll();
        if (problems.Count == 0)
        {
            return fixtures;
        }

        foreach (FixtureFormatException problem in problems)
        {
            error.WriteLine($"problem: {CommandLineValues.Escape(problem.Message)}");
        }

        error.WriteLine($"bnaxis: {problems.Count} fixture problem{(problems.Count == 1 ? "" : "s")} in {CommandLineValues.Quoted(fixtures.Directory)}: nothing was run (expected every case to verify, as 'bnaxis fixtures verify' checks)");
        return null;
    }

    private static TimeSpan Timeout(double seconds, string option)
    {
        string shown = seconds.ToString(CultureInfo.InvariantCulture);
        return seconds switch
        {
            double.NaN or <= 0 => throw new CommandLineValueException($"{option} {shown} is not usable: expected a positive number of seconds"),
            < MinTimeoutSeconds => throw new CommandLineValueException($"{option} {shown} is not usable: expected at least {MinTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} seconds"),
            > MaxTimeoutSeconds => throw new CommandLineValueException($"{option} {shown} is not usable: expected at most {MaxTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} seconds"),
            _ => TimeSpan.FromSeconds(seconds),
        };
    }

    private static int LineBytes(int bytes) =>
        bytes is >= MinLineBytes and <= LargestLineBytes
            ? bytes
            : throw new CommandLineValueException($"--max-line-bytes {bytes.ToString(CultureInfo.InvariantCulture)} is not usable: expected {MinLineBytes} to {LargestLineBytes} bytes");

    private static System.Collections.Immutable.ImmutableArray<ManifestEntry> Select(FixtureSet fixtures, string[] filters)
    {
        if (filters.FirstOrDefault(f => string.IsNullOrWhiteSpace(f.Replace(',', ' '))) is { } empty)
        {
            throw new CommandLineValueException($"--filter {CommandLineValues.Quoted(empty)} is empty: expected an id or a glob such as keep.r4.*");
        }

        string[] patterns = [.. filters.SelectMany(f => f.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
        if (patterns.Length == 0)
        {
            return fixtures.Manifest.Cases;
        }

        foreach (string pattern in patterns)
        {
            if (!fixtures.Manifest.Cases.Any(c => Glob.IsMatch(pattern, c.Id)))
            {
                throw new CommandLineValueException($"--filter {CommandLineValues.Quoted(pattern)} matches no case id: expected an id or a glob such as keep.r4.* (see fixtures/manifest.json)");
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
}
