// The host of scripts/compat/side-by-side.sh: times two builds of FastBatchNorm (each the call shim built against
// one revision) alternately in one process, on the same arrays, and prints per cell the ratio of B's time to A's
// with its quartiles, and whether both wrote the same bits. Progress goes to stderr. `--help` lists the options.
//
//   dotnet build -c Release scripts/compat/SideBySide
//   dotnet scripts/compat/SideBySide/bin/Release/net10.0/bnaxis-side-by-side.dll --a DIR --b DIR [options]
//
// Exit codes: 0 done, 1 a call failed, 2 invalid command line, 3 a folder holds no loadable shim.
using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using BatchNormAxis.PeerBench;
using BatchNormAxis.SideBySide;

string[] knownModes = ["training", "inference", "backward"];
Option<string> folderA = new("--a") { Description = "The output folder of the first SideBySideShim build (A).", Required = true, HelpName = "DIR" };
Option<string> folderB = new("--b") { Description = "The output folder of the second SideBySideShim build (B).", Required = true, HelpName = "DIR" };
Option<string> labelA = new("--a-label") { Description = "How A is named in the output.", DefaultValueFactory = _ => "A" };
Option<string> labelB = new("--b-label") { Description = "How B is named in the output.", DefaultValueFactory = _ => "B" };
Option<string[]> axes = new("--axis") { Description = "A layout of the peer benchmark (repeatable; default all four).", HelpName = "-1|1|1,2,3|0" };
Option<string[]> modes = new("--mode") { Description = "A mode (repeatable; default all three).", HelpName = "MODE" };
Option<int[]> threadCounts = new("--threads") { Description = "Threads per call, 1 to 256 (repeatable; default 1).", HelpName = "N" };
Option<int> pairs = new("--pairs") { Description = "Pairs of blocks per cell, 1 to 10000, one block of each build.", DefaultValueFactory = _ => 20, HelpName = "N" };
Option<int> callsPerBlock = new("--calls-per-block") { Description = "Timed calls per block, 1 to 1000.", DefaultValueFactory = _ => 5, HelpName = "N" };
Option<int> warmupCalls = new("--warmup-calls") { Description = "Untimed calls of each build first, 0 to 100000.", DefaultValueFactory = _ => 30, HelpName = "N" };
Option<double> warmupSeconds = new("--warmup-seconds") { Description = "And untimed calls for at least this long, 0 to 60.", DefaultValueFactory = _ => 0.5, HelpName = "S" };
Option<bool> noPrime = new("--no-prime") { Description = "Do not run every layout and mode in the peer benchmark's order before timing." };
RootCommand root = new("Times two builds of FastBatchNorm side by side in one process, on the same arrays (run it through scripts/compat/side-by-side.sh).")
{
    folderA, folderB, labelA, labelB, axes, modes, threadCounts, pairs, callsPerBlock, warmupCalls, warmupSeconds, noPrime,
};
ParseResult parsed = root.Parse(args);
if (parsed.Action is HelpAction)
{
    return parsed.Invoke();
}

if (parsed.Errors.Count > 0)
{
    // System.CommandLine would print every error and the help, and exit 1; one line and 2, as bnaxis does.
    Console.Error.WriteLine($"side-by-side: {parsed.Errors[0].Message} (see --help)");
    return 2;
}

// Ranges and names are checked here rather than by System.CommandLine's validators, whose messages span lines.
string[] knownAxes = [.. BenchLayout.All.Select(l => l.Axis)];
string? problem =
    (parsed.GetValue(axes) ?? []).FirstOrDefault(a => !knownAxes.Contains(a)) is string badAxis ? $"--axis '{badAxis}' is not a layout of the peer benchmark (expected {string.Join(", ", knownAxes)})"
    : (parsed.GetValue(modes) ?? []).FirstOrDefault(m => !knownModes.Contains(m)) is string badMode ? $"--mode '{badMode}' is not a mode (expected {string.Join(", ", knownModes)})"
    : OutOfRange("--threads", parsed.GetValue(threadCounts) ?? [], 1, 256)
        ?? OutOfRange("--pairs", [parsed.GetValue(pairs)], 1, 10_000)
        ?? OutOfRange("--calls-per-block", [parsed.GetValue(callsPerBlock)], 1, 1_000)
        ?? OutOfRange("--warmup-calls", [parsed.GetValue(warmupCalls)], 0, 100_000)
        ?? (parsed.GetValue(warmupSeconds) is >= 0 and <= 60 ? null : $"--warmup-seconds {parsed.GetValue(warmupSeconds).ToString(CultureInfo.InvariantCulture)} is not a number of seconds from 0 to 60");
if (problem is not null)
{
    Console.Error.WriteLine($"side-by-side: {problem}");
    return 2;
}

var plan = new AlternationPlan(parsed.GetValue(pairs), parsed.GetValue(callsPerBlock), parsed.GetValue(warmupCalls), parsed.GetValue(warmupSeconds));
string[] chosenAxes = parsed.GetValue(axes) ?? [];
string[] chosenModes = parsed.GetValue(modes) is { Length: > 0 } m ? m : knownModes;
int[] chosenThreads = parsed.GetValue(threadCounts) is { Length: > 0 } t ? t : [1];
List<BenchLayout> layouts = chosenAxes.Length == 0 ? [.. BenchLayout.All] : [.. BenchLayout.All.Where(l => chosenAxes.Contains(l.Axis))];

string directoryA = parsed.GetValue(folderA)!, directoryB = parsed.GetValue(folderB)!;
BuildUnderTest? buildA = BuildUnderTest.TryLoad(directoryA, parsed.GetValue(labelA)!, "side-by-side A", out string problemA);
BuildUnderTest? buildB = BuildUnderTest.TryLoad(directoryB, parsed.GetValue(labelB)!, "side-by-side B", out string problemB);
if (buildA is null || buildB is null)
{
    Console.Error.WriteLine("side-by-side: " + (buildA is null ? problemA : problemB));
    return 3;
}

try
{
    var inputsByAxis = new Dictionary<string, SharedInputs>();
    SharedInputs InputsOf(BenchLayout layout) =>
        inputsByAxis.TryGetValue(layout.Axis, out SharedInputs? inputs) ? inputs : inputsByAxis[layout.Axis] = new SharedInputs(layout);

    bool prime = !parsed.GetValue(noPrime);
    Console.Out.WriteLine($"A: {buildA.Label} ({Path.GetFullPath(directoryA)})");
    Console.Out.WriteLine($"B: {buildB.Label} ({Path.GetFullPath(directoryB)})");
    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{plan.Pairs} pairs of blocks of {plan.CallsPerBlock} calls per cell, order flipped every pair; warm-up {plan.WarmupCalls} calls and {plan.WarmupSeconds} s each{(prime ? "; both builds first ran every layout and mode" : "")}"));
    if (prime)
    {
        // As in the peer benchmark's process (and a network of several layers), the JIT's profile of a kernel comes
        // from whatever ran first: every layout and mode, in the peer benchmark's order, before anything is timed.
        foreach (BenchLayout layout in BenchLayout.All)
        {
            foreach (string mode in knownModes)
            {
                Console.Error.WriteLine($"  priming: axis={layout.Axis} {mode}, {Threads(chosenThreads[0])}");
                SharedInputs inputs = InputsOf(layout);
                AlternatingTimer.WarmUp(buildA.CallFor(inputs, mode, chosenThreads[0]), buildB.CallFor(inputs, mode, chosenThreads[0]), plan.WarmupCalls, plan.WarmupSeconds);
            }
        }
    }

    foreach (int threads in chosenThreads)
    {
        foreach (BenchLayout layout in layouts)
        {
            foreach (string mode in chosenModes)
            {
                string cell = $"axis={layout.Axis} {mode}, {Threads(threads)}";
                Console.Error.WriteLine($"  timing: {cell}");
                SharedInputs inputs = InputsOf(layout);
                Action a = buildA.CallFor(inputs, mode, threads);
                Action b = buildB.CallFor(inputs, mode, threads);
                PairedTiming timing = AlternatingTimer.Time(a, b, plan);
                string bits = OutputBits.Compare(inputs, a, b);
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{cell}: A {timing.MedianMsA:F3} ms, B {timing.MedianMsB:F3} ms; B/A {timing.Ratio:F3} (quartiles {timing.RatioLowQuartile:F3} to {timing.RatioHighQuartile:F3}); {bits}"));
                Console.Out.Flush();
            }
        }
    }
}
catch (InvalidOperationException exception)
{
    Console.Error.WriteLine("side-by-side: " + exception.Message);
    return 1;
}

return 0;

static string Threads(int count) => count == 1 ? "1 thread" : $"{count} threads";

static string? OutOfRange(string option, int[] values, int low, int high) =>
    values.Where(v => v < low || v > high).Select(v => $"{option} {v} is not a whole number from {low} to {high}").FirstOrDefault();
