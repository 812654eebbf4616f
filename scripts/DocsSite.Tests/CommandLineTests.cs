using System.Diagnostics;

namespace BatchNormAxis.DocsSite.Tests;

/// <summary>The builder as a user runs it: exit codes and one-line messages for bad arguments.</summary>
public class CommandLineTests
{
    [Fact]
    public void MissingDocsFolder_IsOneLineAndExitCodeTwo()
    {
        (int exitCode, string output, string error) = Run("--docs", "no-such-folder");

        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Equal("DocsSite: --docs 'no-such-folder' is not a folder: expected the folder of Markdown pages (default docs)", error.TrimEnd());
    }

    [Fact]
    public void UnknownOption_IsOneLineAndExitCodeTwo()
    {
        (int exitCode, _, string error) = Run("--bogus");

        Assert.Equal(2, exitCode);
        Assert.Equal("DocsSite: Unrecognized command or argument '--bogus'. (see --help)", error.TrimEnd());
    }

    [Fact]
    public void BrokenLink_ExitsWithOneAndNamesFileAndLink()
    {
        using TempDocs docs = new(("SUMMARY.md", "- [Home](index.md)\n"), ("index.md", "# Home\n\n[gone](gone.md)\n"));

        (int exitCode, _, string error) = Run("--docs", docs.Docs, "--output", docs.Output);

        Assert.Equal(1, exitCode);
        string[] lines = error.TrimEnd().Split('\n');
        Assert.Equal($"error: {Path.Combine(docs.Docs, "index.md")}:3: broken link 'gone.md': no page gone.md in {docs.Docs}", lines[0]);
        Assert.StartsWith("DocsSite: 1 error(s)", lines[1], StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        ProcessStartInfo start = new("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DocsSite.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }
}
