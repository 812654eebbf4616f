using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using BatchNormAxis.Conformance;

namespace BatchNormAxis.Cli;

/// <summary>
/// The <c>bnaxis</c> root command. Every failure the user can cause ends in one line on stderr and exit code 2;
/// nothing the user can type produces a stack trace.
/// </summary>
internal static class BnaxisCommand
{
    private const string Description =
        "BatchNormAxis: what Keras BatchNormalization(axis=...) computes.\n"
        + "Exit codes: 0 success, 1 failures or problems found (run, fixtures verify, diagnose), 2 invalid command line or input, 3 harness unusable (run), 70 internal error.";

    /// <summary>
    /// Parses and runs a command line, writing to the given streams; returns the exit code. Numbers are written in the
    /// invariant culture whatever the user's locale (<c>0.2 s</c>, never <c>0,2 s</c>): the output is read by scripts
    /// and compared with the documentation.
    /// </summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        CultureInfo userCulture = CultureInfo.CurrentCulture;
        CultureInfo userUICulture = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        try
        {
            return RunInvariant(args, output, error);
        }
        finally
        {
            CultureInfo.CurrentCulture = userCulture;
            CultureInfo.CurrentUICulture = userUICulture;
        }
    }

    /// <summary>
    /// Makes a command that only groups subcommands (bnaxis itself, <c>bnaxis fixtures</c>) print its help and exit 0
    /// when given none, as git-style tools do, instead of an error: running a tool bare is how people ask what it does.
    /// </summary>
    public static void ShowHelpWithoutSubcommand(Command command) => command.SetAction(parseResult => new HelpAction().Invoke(parseResult));

    private static int RunInvariant(string[] args, TextWriter output, TextWriter error)
    {
        RootCommand root = new(Description)
        {
            ExplainCommand.Create(output),
            FixturesCommand.Create(output, error),
            RunCommand.Create(output, error),
            ServeCommand.Create(),
            BenchCommand.Create(output, error),
            DiagnoseCommand.Create(output),
        };
        ShowHelpWithoutSubcommand(root);

        ParseResult parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            // System.CommandLine would print every error plus the help text and exit 1; we keep one line and 2.
            string command = parseResult.CommandResult.Command == root ? "bnaxis" : $"bnaxis {parseResult.CommandResult.Command.Name}";
            // "Required command was not provided" comes first for `bnaxis typo`; the unrecognized token says more.
            ParseError mostSpecific = parseResult.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal))
                ?? parseResult.Errors[0];
            error.WriteLine($"bnaxis: {CommandLineValues.Escape(mostSpecific.Message)} (see '{command} --help')");
            return ExitCodes.UsageError;
        }

        try
        {
            return parseResult.Invoke(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (Exception exception) when (exception is BatchNormArgumentException or CommandLineValueException)
        {
            error.WriteLine($"bnaxis: {CommandLineValues.Escape(exception.Message)}");
            return ExitCodes.UsageError;
        }
        catch (FixtureFormatException exception)
        {
            // A manifest or schema too broken to go on: a finding, like any other verify problem.
            error.WriteLine($"bnaxis: {CommandLineValues.Escape(exception.Message)}");
            return ExitCodes.Failure;
        }
#pragma warning disable CA1031 // The last line of defence: a bug must still end in one line, not a stack trace.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            error.WriteLine($"bnaxis: {InternalErrorLine(exception)}");
            return ExitCodes.InternalError;
        }
    }

    /// <summary>The one line that reports a bug in bnaxis (exit code 70).</summary>
    public static string InternalErrorLine(Exception exception) =>
        $"internal error ({exception.GetType().Name}: {CommandLineValues.Escape(exception.Message)}); please report it with the command line you ran";
}
