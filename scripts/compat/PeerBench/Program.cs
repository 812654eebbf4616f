// The C# side of the peer benchmark (scripts/compat/bench-peers.sh): times one tool, FastBatchNorm or ONNX Runtime
// 1.31.1, on the four layouts and its modes, on one thread count, and prints one JSON line per cell on stdout
// (first a "meta" line with versions); progress goes to stderr. One tool per process, so one cannot disturb another.
//
//   dotnet build -c Release scripts/compat/PeerBench
//   dotnet scripts/compat/PeerBench/bin/Release/net10.0/bnaxis-peer-bench.dll --tool fast|ort --threads N
//       [--calls N] [--warmup-calls N] [--warmup-seconds S] [--probe PATH [--probe-repetitions N]]
//
// Defaults: 30 timed calls per cell after at least 30 warm-up calls and 0.5 s; the process's first cell warms up four
// times as long (2 s), since it also waits for the JIT to compile everything the calls reach: on 2 threads, with both
// cores busy (the caller and a spinning helper), fast's first cell after 0.5 s sometimes still ran at a third of its
// speed (docs/performance.md). With --probe (the built scripts/compat/bandwidth_probe.c), the probe runs beside the
// tool on the same thread count and measures right before and right after each cell's timed calls (the median of 5
// repetitions each by default); the cell's line carries both as "probe": {"read_ms": [before, after], "copy_ms":
// [...], "buffer_bytes": B}, for the cell's roofline from the same moments (PairedProbe.cs). Exit codes: 0 done, 1 the
// probe failed, 2 invalid command line, 3 ONNX Runtime's native library does not load.
using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using BatchNormAxis.Harnesses.OnnxRuntime;
using BatchNormAxis.PeerBench;
using Microsoft.ML.OnnxRuntime;

string? tool = null;
int threads = 0;
var plan = new TimingPlan(WarmupCalls: 30, WarmupSeconds: 0.5, Calls: 30);
string? probePath = null;
int probeRepetitions = 5;
for (int i = 0; i < args.Length; i++)
{
    string option = args[i];
    if (option is not ("--tool" or "--threads" or "--calls" or "--warmup-calls" or "--warmup-seconds" or "--probe" or "--probe-repetitions"))
    {
        return Fail($"unknown option '{option}' (expected --tool, --threads, --calls, --warmup-calls, --warmup-seconds, --probe, --probe-repetitions)");
    }

    if (i + 1 >= args.Length)
    {
        return Fail($"{option} needs a value");
    }

    string value = args[++i];
    switch (option)
    {
        case "--tool" when value is "fast" or "ort":
            tool = value;
            break;
        case "--tool":
            return Fail($"--tool '{value}' is not a tool (expected fast or ort)");
        case "--threads" when Count(value, 1, 256) is int count:
            threads = count;
            break;
        case "--calls" when Count(value, 1, 100_000) is int count:
            plan = plan with { Calls = count };
            break;
        case "--warmup-calls" when Count(value, 0, 100_000) is int count:
            plan = plan with { WarmupCalls = count };
            break;
        case "--warmup-seconds" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds is >= 0 and <= 60:
            plan = plan with { WarmupSeconds = seconds };
            break;
        case "--warmup-seconds":
            return Fail($"--warmup-seconds '{value}' is not a number of seconds from 0 to 60");
        case "--probe" when File.Exists(value):
            probePath = Path.GetFullPath(value);
            break;
        case "--probe":
            return Fail($"--probe '{value}' is not a file (expected the built bandwidth probe, e.g. artifacts/bench/bandwidth-probe)");
        case "--probe-repetitions" when Count(value, 1, 1000) is int count:
            probeRepetitions = count;
            break;
        default:
            return Fail($"{option} '{value}' is not a whole number in its range (--threads 1 to 256, --calls 1 to 100000, --warmup-calls 0 to 100000, --probe-repetitions 1 to 1000)");
    }
}

if (tool is null || threads == 0)
{
    return Fail("--tool and --threads are required");
}

using PairedProbe? probe = probePath is null ? null : new PairedProbe(probePath, threads, probeRepetitions);

IEnumerable<Cell> cells;
SessionOptions? sessionOptions = null;
var meta = new JsonObject { ["tool"] = tool, ["threads"] = threads };
if (tool == "fast")
{
    meta["meta"] = new JsonObject
    {
        ["dotnet"] = Environment.Version.ToString(),
        ["vector_bits"] = Vector<byte>.Count * 8,
    };
    cells = FastCells.For(threads);
}
else
{
    sessionOptions = SequentialCpuSession.TryCreateOptions(threads, out string problem);
    if (sessionOptions is null)
    {
        Console.Error.WriteLine($"peer-bench: {problem}; rebuild with: dotnet build -c Release scripts/compat/PeerBench");
        return 3;
    }

    meta["meta"] = new JsonObject
    {
        ["onnxruntime"] = OrtEnv.Instance().GetVersionString(),
        ["graphs"] = new JsonObject([.. BenchLayout.All.Select(l => KeyValuePair.Create(l.Axis, (JsonNode?)OrtCells.GraphOf(l)))]),
    };
    cells = OrtCells.For(sessionOptions);
}

using SessionOptions? disposeAtExit = sessionOptions;
Console.Out.Write(meta.ToJsonString() + "\n");
bool firstCell = true;
foreach (Cell cell in cells)
{
    using Cell timed = cell;
    int warmupCalls = CellTimer.WarmUp(cell.Call, firstCell ? plan with { WarmupSeconds = 4 * plan.WarmupSeconds } : plan);
    firstCell = false;
    ProbeResult? before = null, after = null;
    double medianMs;
    try
    {
        before = probe?.Measure();
        medianMs = CellTimer.MedianMs(cell.Call, plan);
        after = probe?.Measure();
    }
    catch (ProbeFailure failure)
    {
        Console.Error.WriteLine("peer-bench: " + failure.Message);
        return 1;
    }
    var line = new JsonObject
    {
        ["tool"] = tool,
        ["threads"] = threads,
        ["axis"] = cell.Layout.Axis,
        ["mode"] = cell.Mode,
        ["ms"] = Math.Round(medianMs, 4),
        ["calls"] = plan.Calls,
        ["warmup_calls"] = warmupCalls,
    };
    if (before is not null && after is not null)
    {
        line["probe"] = new JsonObject
        {
            ["read_ms"] = new JsonArray(before.ReadMs, after.ReadMs),
            ["copy_ms"] = new JsonArray(before.CopyMs, after.CopyMs),
            ["buffer_bytes"] = before.BufferBytes,
        };
    }

    Console.Out.Write(line.ToJsonString() + "\n");
    Console.Out.Flush();
    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {tool}, {threads} thread(s): axis={cell.Layout.Axis} {cell.Mode} {medianMs:F2} ms"));
}

return 0;

static int? Count(string text, int low, int high) =>
    int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= low && value <= high ? value : null;

static int Fail(string message)
{
    Console.Error.WriteLine("peer-bench: " + message);
    return 2;
}
