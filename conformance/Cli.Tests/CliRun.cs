namespace BatchNormAxis.Cli.Tests;

/// <summary>What one <c>bnaxis</c> invocation printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>Runs the bnaxis command line in process, capturing stdout and stderr.</summary>
internal static class CliRun
{
    public static CliResult Invoke(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = BnaxisCommand.Run(args, output, error);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}
