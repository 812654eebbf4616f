using CsCheck;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// The CLI-argument fault corpus: generated hostile command lines for explain, bench, fixtures verify and run, each
/// run in process. Whatever the arguments, bnaxis exits 0, 1, 2 or 3 (never 70), says why in one line starting
/// "bnaxis: " without a stack trace, and leaves no file in the current directory. bench and run only ever get
/// command lines that must be refused before anything is timed or run (each ends with a certain refusal), so the
/// corpus stays fast and never starts a harness.
/// </summary>
public class CliArgumentCorpusTests
{
    /// <summary>Values a user, a script or an attacker may give where a number, a shape, a path or a glob belongs.</summary>
    private static readonly Gen<string> s_hostileValue = Gen.Frequency(
        (6, Gen.OneOf(
            "", " ", "NaN", "nan", "Infinity", "-Infinity", "∞", "1e308", "1e-300", "1e-400", "-0", "0", "-1", "0x10", "1_000", "1.5",
            "2147483647", "2147483648", "-2147483649", "9223372036854775808", "99999999999999999999999999", "1e10",
            "1,", ",", ",,", "()", "[]", "(", "[1", "(1,)", "[1, 2]", "-1,-1", "1000000000", "100000,100000",
            "--", "-", "@", "@/nonexistent/bnaxis.rsp", "/dev/null", "/dev/zero", "/proc/self/mem", ".", "..", "/",
            "*", "**", "[", "\\", "'", "\"", "%s%n", "{0}", "$(touch pwned)", "`touch pwned`", "pwned.json")),
        (3, Gen.Char[(char)0, (char)31].Select(c => $"1{c}2")),
        (2, Gen.OneOf("\u001b[2J\u001b[31m", "\u202e", "\ud800", "\udfff", "\u2028", "𝔸", "\u0085", "\u007f")),
        (3, Gen.String[0, 40]),
        (1, Gen.Int[65, 300_000].Select(rank => CliAssert.OnesShape(rank))),
        (1, Gen.Int[1_000, 300_000].Select(length => new string('9', length))));

    /// <summary>An option name with a hostile value, a bare hostile token, an unknown option, or a response file of them.</summary>
    private static Gen<Argument[]> Arguments(params string[] options) =>
        Gen.Frequency(
            (8, Gen.Select(Gen.OneOf(options), s_hostileValue).Select(p => new[] { Argument.Plain(p.Item1), Argument.Plain(p.Item2) })),
            (2, Gen.Select(Gen.OneOf(options), s_hostileValue).Select(p => new[] { Argument.Plain($"{p.Item1}={p.Item2}") })),
            (1, s_hostileValue.Select(v => new[] { Argument.Plain(v) })),
            (1, s_hostileValue.Select(v => new[] { Argument.Plain("--no-such-option" + v) })),
            (1, Gen.OneOf("--json", "--help", "-h", "-?", "--version").Select(flag => new[] { Argument.Plain(flag) })),
            (2, Gen.Select(Gen.OneOf(options), s_hostileValue).Select(p => new[] { Argument.InResponseFile(p.Item1, p.Item2) })))
        .Array[0, 4]
        .Select(groups => groups.SelectMany(g => g).ToArray());

    /// <summary>
    /// Endings each of which makes bench refuse before any allocation or timing, wherever the other options stand. An
    /// unknown option comes after a complete known one: right after an option that takes a value (a dangling
    /// <c>--json</c> of run) it would be read as that value, a file name.
    /// </summary>
    private static readonly Gen<Argument[]> s_benchRefusal = Gen.OneOf(
        Gen.OneOf("0", "-1", "100001", "2147483647", "NaN", "1e9").Select(v => Plain("--repeat", v)),
        Gen.OneOf("0", "-5", "1025", "2147483647", "four").Select(v => Plain("--threads", v)),
        s_hostileValue.Select(v => Plain("--mode", "x" + v)),
        s_hostileValue.Select(v => Plain("--impl", "x" + v)),
        s_hostileValue.Select(v => Plain("--dtype", "x" + v)),
        Gen.OneOf("-1", "1.01", "NaN", "Infinity", "1e400", "half", "").Select(v => Plain("--mask", v)),
        Gen.OneOf("x", "()", "0,3", "1000000000", "2147483647,2147483647", CliAssert.OnesShape(65)).Select(v => Plain("--shape", v, "--repeat", "0")),
        s_hostileValue.Select(v => Plain("--mode", "train", "--no-such-option" + v)));

    /// <summary>Endings each of which makes run refuse before it opens a harness or runs a case.</summary>
    private static readonly Gen<Argument[]> s_runRefusal = Gen.OneOf(
        Gen.Const(Plain("--impl", "scalar", "--harness", "/nonexistent/harness")),
        Gen.OneOf("0", "-1", "NaN", "Infinity", "-Infinity", "1e-400", "ten", "").Select(v => Plain("--case-timeout", v)),
        Gen.OneOf("0", "-1", "NaN", "Infinity", "-Infinity", "1e-400", "ten", "").Select(v => Plain("--startup-timeout", v)),
        s_hostileValue.Select(v => Plain("--filter", "no.such.case." + v.Replace(",", "", StringComparison.Ordinal))),
        s_hostileValue.Select(v => Plain("--fixtures", "/nonexistent/" + v)),
        s_hostileValue.Select(v => Plain("--startup-timeout", "30", "--no-such-option" + v)));

    [Fact]
    public void Explain_AnyArguments()
    {
        Arguments("--shape", "--axis").Sample(args => AssertStandsUp("explain", args, mustRefuse: false), iter: 300, print: Show);
    }

    [Fact]
    public void Bench_RefusedArguments()
    {
        Gen.Select(Arguments("--shape", "--axis", "--mode", "--threads", "--repeat", "--impl", "--dtype", "--mask"), s_benchRefusal)
            .Sample((args, refusal) => AssertStandsUp("bench", [.. args, .. refusal], mustRefuse: true), iter: 300, print: p => Show([.. p.Item1, .. p.Item2]));
    }

    [Fact]
    public void FixturesVerify_HostileFolders()
    {
        Gen.Select(Arguments("--fixtures"), s_hostileValue)
            .Sample((args, folder) => AssertStandsUp("fixtures verify", [.. args, .. Plain("--fixtures", "/nonexistent/" + folder)], mustRefuse: true), iter: 150, print: p => Show([.. p.Item1, .. Plain(p.Item2)]));
    }

    /// <summary>
    /// One sample at a time: a run given <c>--json pwned.json</c> probes the working folder with a temporary file
    /// before it refuses, and a sample on another thread would see that file come and go.
    /// </summary>
    [Fact]
    public void Run_RefusedArguments()
    {
        Gen.Select(Arguments("--filter", "--case-timeout", "--startup-timeout", "--expectations", "--fixtures", "--json", "--junit", "--html", "--impl"), s_runRefusal)
            .Sample((args, refusal) => AssertStandsUp("run", [.. args, .. refusal], mustRefuse: true), iter: 200, threads: 1, print: p => Show([.. p.Item1, .. p.Item2]));
    }

    private static Argument[] Plain(params string[] texts) => [.. texts.Select(Argument.Plain)];

    /// <summary>A failing command line as CsCheck reports it: escaped and cut, so a 300 000-character value stays readable.</summary>
    private static string Show(Argument[] args) => string.Join(" ", args.Select(a => a.ToString()));

    /// <summary>
    /// Runs <c>bnaxis command args</c> and checks the promises that hold for any input. <paramref name="mustRefuse"/>:
    /// the command line contains a certain refusal, so nothing may have run (exit 2, empty stdout), unless it asked
    /// for help.
    /// </summary>
    private static void AssertStandsUp(string command, Argument[] args, bool mustRefuse)
    {
        string[] before = Directory.GetFileSystemEntries(Environment.CurrentDirectory);
        using var responseFiles = new ResponseFiles();
        string[] tokens = [.. command.Split(' '), .. args.Select(responseFiles.Token)];

        CliResult result = CliRun.Invoke(tokens);

        string shown = string.Join(" ", tokens.Select(t => $"[{CommandLineValues.Echo(t)}]"));
        Assert.True(result.ExitCode is 0 or 1 or 2 or 3, $"exit {result.ExitCode} for {shown}: {result.Error}");
        bool help = result.ExitCode == 0 && result.Error.Length == 0 && result.Output.Contains("Usage:", StringComparison.Ordinal);
        if (mustRefuse && !help)
        {
            Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}, expected 2 for {shown}: {result.Error}");
            Assert.True(result.Output.Length == 0, $"stdout for {shown}: {result.Output}");
        }

        if (result.ExitCode != 0)
        {
            try
            {
                CliAssert.OneLineError(result.Error);
            }
            catch (Xunit.Sdk.XunitException exception)
            {
                throw new Xunit.Sdk.XunitException($"{shown}: stderr {CommandLineValues.Echo(result.Error)}: {exception.Message}");
            }
        }

        // The working folder as it was: no report, probe or response file left behind, nothing removed. Only run
        // writes there (its report probe), and its samples run one at a time; no other test class uses this folder.
        Assert.Equal(before.Order(StringComparer.Ordinal), Directory.GetFileSystemEntries(Environment.CurrentDirectory).Order(StringComparer.Ordinal));
    }

    /// <summary>One command-line token, or an option and its value to be put in a response file and passed as <c>@file</c>.</summary>
    internal sealed record Argument(string[] Lines, bool InFile)
    {
        public static Argument Plain(string text) => new([text], false);

        public static Argument InResponseFile(params string[] lines) => new(lines, true);

        public override string ToString() => InFile ? $"@[{string.Join(" | ", Lines.Select(CommandLineValues.Echo))}]" : CommandLineValues.Echo(Lines[0]);
    }

    /// <summary>The response files one command line needs, written to a temporary folder and deleted with it.</summary>
    private sealed class ResponseFiles : IDisposable
    {
        private readonly List<ResponseFile> _files = [];

        public string Token(Argument argument)
        {
            if (!argument.InFile)
            {
                return argument.Lines[0];
            }

            var file = new ResponseFile(argument.Lines);
            _files.Add(file);
            return file.Token;
        }

        public void Dispose() => _files.ForEach(f => f.Dispose());
    }
}
