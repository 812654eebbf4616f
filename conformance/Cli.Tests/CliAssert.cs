namespace BatchNormAxis.Cli.Tests;

/// <summary>The shape every refusal of bnaxis must have.</summary>
internal static class CliAssert
{
    /// <summary>A generous guard for what must answer at once: seconds would mean work that grows with the input.</summary>
    public static readonly TimeSpan Quickly = TimeSpan.FromSeconds(10);

    /// <summary>Exit 2, nothing on stdout, and one line on stderr starting "bnaxis: " without a stack trace.</summary>
    public static void UsageError(CliResult result)
    {
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        OneLineError(result.Error);
    }

    /// <summary>One line ending in a newline, starting "bnaxis: ", no stack trace.</summary>
    public static void OneLineError(string error)
    {
        Assert.StartsWith("bnaxis: ", error, StringComparison.Ordinal);
        Assert.EndsWith("\n", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error[..^1]);
        Assert.DoesNotContain('\r', error);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    /// <summary>An all-ones shape of the given rank, as --shape takes it.</summary>
    public static string OnesShape(int rank) => string.Join(',', Enumerable.Repeat("1", rank));
}
