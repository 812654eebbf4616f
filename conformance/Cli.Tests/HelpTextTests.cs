using System.Text.RegularExpressions;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// What the help says (issue 15): a bare <c>bnaxis</c> or <c>bnaxis fixtures</c> prints help and exits 0, every value
/// placeholder names what it takes (<c>&lt;FILE&gt;</c>, <c>&lt;COMMAND&gt;</c>, never the option's own name), and
/// <c>--impl</c> and <c>--mode</c> show their values. The commands are read from the help itself, so a command added
/// later is held to the same rules.
/// </summary>
public partial class HelpTextTests
{
    [Fact]
    public void Bare_PrintsTheRootHelpAndExitsZero()
    {
        CliResult bare = CliRun.Invoke();

        Assert.Equal(0, bare.ExitCode);
        Assert.Empty(bare.Error);
        Assert.Equal(CliRun.Invoke("--help").Output, bare.Output);
        Assert.Contains("Usage:", bare.Output, StringComparison.Ordinal);
        Assert.Contains("explain", bare.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void FixturesWithoutSubcommand_PrintsItsHelpAndExitsZero()
    {
        CliResult bare = CliRun.Invoke("fixtures");

        Assert.Equal(0, bare.ExitCode);
        Assert.Empty(bare.Error);
        Assert.Equal(CliRun.Invoke("fixtures", "--help").Output, bare.Output);
        Assert.Contains("verify", bare.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run", "--harness <COMMAND>")]
    [InlineData("run", "--json <FILE>")]
    [InlineData("run", "--junit <FILE>")]
    [InlineData("run", "--html <FILE>")]
    [InlineData("run", "--expectations <FILE>")]
    [InlineData("run", "--fixtures <DIR>")]
    [InlineData("run", "--filter <GLOB>")]
    [InlineData("run", "--case-timeout <SECONDS>")]
    [InlineData("run", "--impl <fast|scalar>")]
    [InlineData("serve", "--impl <fast|scalar>")]
    [InlineData("bench", "--impl <fast|scalar>")]
    [InlineData("bench", "--mode <train|infer|backward>")]
    [InlineData("bench", "--shape <SHAPE>")]
    [InlineData("explain", "--axis <AXIS>")]
    [InlineData("fixtures verify", "--fixtures <DIR>")]
    [InlineData("diagnose", "--reply <FILE>")]
    [InlineData("diagnose", "--fixtures <DIR>")]
    public void Placeholder_NamesWhatTheOptionTakes(string command, string usage)
    {
        CliResult help = CliRun.Invoke([.. command.Split(' '), "--help"]);

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("  " + usage + " ", help.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryCommand_HasNoPlaceholderThatMerelyRepeatsItsOptionName()
    {
        var commands = new List<string[]>();
        Collect([], commands);
        Assert.Contains(commands, c => c.SequenceEqual(["fixtures", "verify"]));
        Assert.Contains(commands, c => c.SequenceEqual(["diagnose"]));

        foreach (string[] command in commands)
        {
            string help = CliRun.Invoke([.. command, "--help"]).Output;
            foreach (Match option in OptionUsage().Matches(help))
            {
                string name = option.Groups["name"].Value;
                string placeholder = option.Groups["placeholder"].Value;
                Assert.True(
                    placeholder != name && (!placeholder.Any(char.IsLower) || placeholder.Contains('|', StringComparison.Ordinal)),
                    $"bnaxis {string.Join(' ', command)}: --{name} <{placeholder}> should name what it takes (<FILE>, <DIR>, <COMMAND>, ...) or list its values (<a|b>)");
            }
        }
    }

    /// <summary>Every command below <paramref name="prefix"/>, from the "Commands:" part of its help.</summary>
    private static void Collect(string[] prefix, List<string[]> commands)
    {
        string help = CliRun.Invoke([.. prefix, "--help"]).Output;
        int start = help.IndexOf("Commands:\n", StringComparison.Ordinal);
        if (start < 0)
        {
            commands.Add(prefix);
            return;
        }

        foreach (Match command in CommandLine().Matches(help[start..]))
        {
            Collect([.. prefix, command.Groups[1].Value], commands);
        }
    }

    // A command with an argument is listed as "diagnose <CASE-ID>": the name is the first word either way.
    [GeneratedRegex(@"^  (\w[\w-]*)(?: <[^>]+>)*  ", RegexOptions.Multiline)]
    private static partial Regex CommandLine();

    [GeneratedRegex(@"--(?<name>[a-z][a-z-]*) <(?<placeholder>[^>]+)>")]
    private static partial Regex OptionUsage();
}
