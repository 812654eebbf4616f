using System.Diagnostics;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// Runs bnaxis as its own process (the bnaxis.dll next to the tests), for what only a process shows: its exit code
/// after a crash, and runtime settings such as a GC heap limit given through the environment.
/// </summary>
internal static class BnaxisProcess
{
    public static CliResult Run(IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "bnaxis.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bnaxis {string.Join(' ', args)} did not finish within {timeout}");
        }

        return new CliResult(process.ExitCode, output.Result, error.Result);
    }
}
