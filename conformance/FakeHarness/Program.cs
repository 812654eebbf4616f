using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using BatchNormAxis;
using BatchNormAxis.Conformance;
using BatchNormAxis.Conformance.Diagnosis;
using BatchNormAxis.Conformance.Protocol;

// A harness that misbehaves in one chosen way, so the runner's tests can check it survives each.
// Usage: FakeHarness <mode> [script]; the modes are the cases below. Environment:
//   FAKE_CHILD_PID_FILE  where hang-with-child and grandchild-then-exit write their child's pid
//   FAKE_GROUP_FILE      where every mode writes its process group id at start
//   FAKE_SIZE_BYTES      the size of huge-line's line and huge-traceback's traceback (default 200 MB, 4 MB)
// scripted <file>: each line of the file is printed verbatim as the answer to the next message (start, then each
// run), with {seq} replaced by the run's seq; a line {correct} is the right answer, and so is every answer after
// the script's end and every answer of a harness restarted in the same run.
if (args.Length is not (1 or 2))
{
    Console.Error.WriteLine("usage: FakeHarness <mode> [script]");
    return 64;
}

string mode = args[0];
// The script plays once per run: a harness restarted after a fault answers correctly (<script>.played marks it).
Queue<string> script = mode == "scripted" && args.Length == 2 && !File.Exists(args[1] + ".played") ? new(File.ReadAllLines(args[1])) : [];
if (mode == "scripted" && args.Length == 2)
{
    File.WriteAllText(args[1] + ".played", "");
}

if (Environment.GetEnvironmentVariable("FAKE_GROUP_FILE") is { Length: > 0 } groupFile)
{
    // Field 5 of /proc/self/stat, after the parenthesised command name.
    string stat = File.ReadAllText("/proc/self/stat");
    File.WriteAllText(groupFile, stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2]);
}

if (mode == "ignore-sigterm")
{
    // Cancelling the default handling makes SIGTERM do nothing: only SIGKILL ends this process.
    _ = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context => context.Cancel = true);
}

var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
var stdin = new StreamReader(Console.OpenStandardInput(), Encoding.UTF8);

switch (mode)
{
    case "crash-at-start":
        Console.Error.WriteLine("fake: cannot load my model, giving up");
        return 1;
    case "hang-at-start":
        Thread.Sleep(Timeout.Infinite);
        return 0;
    case "garbage-at-start":
        stdout.WriteLine("Hello! I am not JSON.");
        Thread.Sleep(Timeout.Infinite);
        return 0;
}

int runs = 0;
while (stdin.ReadLine() is { } line)
{
    JsonObject message = JsonNode.Parse(line)!.AsObject();
    string cmd = message["cmd"]!.GetValue<string>();
    if (cmd == "stop")
    {
        return 0;
    }

    if (cmd == "start")
    {
        if (script.TryDequeue(out string? scripted) && scripted != "{correct}")
        {
            stdout.WriteLine(scripted);
            continue;
        }

        if (mode == "flood-stderr")
        {
            Flood();
        }

        if (mode == "html-injection")
        {
            Console.Error.WriteLine("<b>bold</b> & <i>stderr</i>");
            stdout.WriteLine("{\"protocol\":1,\"implementation\":{\"name\":\"fake <img src=x onerror=alert(1)>\",\"version\":\"0\",\"language\":\"C#\"},\"capabilities\":{\"dtypes\":[\"float32\"],\"ranks\":[1,2,3,4,5],\"features\":[\"training\",\"inference\",\"frozen\",\"sequence\",\"errors\"]}}");
            continue;
        }

        string features = mode == "no-backward"
            ? "\"training\",\"inference\",\"frozen\",\"sequence\",\"errors\",\"list_axis\",\"multi_axis\",\"mask\""
            : "\"training\",\"inference\",\"frozen\",\"backward\",\"sequence\",\"mask\",\"list_axis\",\"multi_axis\",\"errors\"";
        stdout.WriteLine($"{{\"protocol\":1,\"implementation\":{{\"name\":\"fake-{mode}\",\"version\":\"0\",\"language\":\"C#\"}},\"capabilities\":{{\"dtypes\":[\"float32\",\"float64\",\"float16\",\"bfloat16\"],\"ranks\":[1,2,3,4,5],\"features\":[{features}]}}}}");
        continue;
    }

    runs++;
    int seq = message["seq"]!.GetValue<int>();
    FixtureCase fixture = FixtureJsonReader.Read(Encoding.UTF8.GetBytes(message["case"]!.ToJsonString()), "run", requireExpectations: false);
    if (script.TryDequeue(out string? scriptedReply) && scriptedReply != "{correct}")
    {
        stdout.WriteLine(scriptedReply.Replace("{seq}", seq.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        continue;
    }

    switch (mode)
    {
        case "grandchild-then-exit":
            {
                // The grandchild keeps the group (and stdout) alive after this process is gone.
                var grandchild = Process.Start(new ProcessStartInfo("sleep", "1000") { UseShellExecute = false })!;
                File.WriteAllText(Environment.GetEnvironmentVariable("FAKE_CHILD_PID_FILE")!, grandchild.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return 0;
            }

        case "ignore-sigterm":
            Thread.Sleep(Timeout.Infinite);
            break;
        case "close-stdout":
            {
                // Closes its stdout while staying alive: the runner sees end of output, not a timeout. The runtime
                // holds duplicates of descriptor 1, so every descriptor of the same pipe goes.
                stdout.Flush();
                string pipe = new FileInfo("/proc/self/fd/1").LinkTarget!;
                foreach (string fd in Directory.GetFiles("/proc/self/fd"))
                {
                    if (new FileInfo(fd).LinkTarget == pipe)
                    {
                        new Microsoft.Win32.SafeHandles.SafeFileHandle(int.Parse(Path.GetFileName(fd), System.Globalization.CultureInfo.InvariantCulture), ownsHandle: true).Dispose();
                    }
                }
            }

            Thread.Sleep(Timeout.Infinite);
            break;
        case "reply-twice":
            {
                string reply = ProtocolMessages.FormatRunReply(seq, fixture, CaseExecutor.Execute(fixture, ScalarBatchNorm.Instance));
                stdout.WriteLine(reply);
                stdout.WriteLine(reply);
                continue;
            }

        case "huge-line" when runs == 1:
            {
                byte[] chunk = Encoding.ASCII.GetBytes(new string('x', 1 << 20));
                Stream raw = stdout.BaseStream;
                for (long written = 0; written < Size(200_000_000); written += chunk.Length)
                {
                    raw.Write(chunk);
                }

                raw.WriteByte((byte)'\n');
                raw.Flush();
                continue;
            }

        case "huge-traceback":
            stdout.WriteLine(new JsonObject { ["seq"] = seq, ["errored"] = new JsonObject { ["message"] = "fake: out of luck", ["traceback"] = new string('t', (int)Size(4_000_000)) } }.ToJsonString());
            continue;
        case "crash-mid-run" when runs == 3:
            Console.Error.WriteLine("fake: segmentation fault (pretend)");
            return 139;
        case "crash-always":
            Console.Error.WriteLine("fake: crashing on every case");
            return 2;
        case "hang-on-case" when runs == 2:
            Thread.Sleep(Timeout.Infinite);
            break;
        case "hang-with-child" when runs == 1:
            // A grandchild that would outlive a plain kill of this process; the process-group kill must take it too.
            var child = Process.Start(new ProcessStartInfo("sleep", "1000") { UseShellExecute = false })!;
            File.WriteAllText(Environment.GetEnvironmentVariable("FAKE_CHILD_PID_FILE")!, child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Thread.Sleep(Timeout.Infinite);
            break;
        case "html-injection":
            stdout.WriteLine(new JsonObject { ["seq"] = seq, ["skipped"] = new JsonObject { ["message"] = "<script>alert('x')</script>", ["issue_url"] = "javascript:alert(1)" } }.ToJsonString());
            continue;
        case "garbage":
            stdout.WriteLine("{\"seq\": " + seq + ", \"outputs\": 42 <<<");
            continue;
        case "wrong-seq":
            stdout.WriteLine(ProtocolMessages.FormatRunReply(seq + 1, fixture, CaseExecutor.Execute(fixture, ScalarBatchNorm.Instance)));
            continue;
        case "flood-stderr":
            Flood();
            break;
        case "wrong-shape":
            {
                CaseResponse right = CaseExecutor.Execute(fixture, ScalarBatchNorm.Instance);
                CaseResponse wrong = right.Kind == ResponseKind.Outputs
                    ? CaseResponse.WithOutputs(right.Outputs.ToDictionary(o => o.Key, o => o.Value[..^1]))
                    : right;
                stdout.WriteLine(ProtocolMessages.FormatRunReply(seq, fixture, wrong));
                continue;
            }

        case "nan":
            {
                CaseResponse right = CaseExecutor.Execute(fixture, ScalarBatchNorm.Instance);
                CaseResponse nan = right.Kind == ResponseKind.Outputs
                    ? CaseResponse.WithOutputs(right.Outputs.ToDictionary(o => o.Key, o => o.Value.Select(_ => double.NaN).ToArray()))
                    : right;
                stdout.WriteLine(ProtocolMessages.FormatRunReply(seq, fixture, nan));
                continue;
            }
    }

    IBatchNormalization implementation = mode.StartsWith("variant-", StringComparison.Ordinal)
        ? new ConventionVariant(Enum.Parse<WrongConvention>(mode["variant-".Length..]))
        : ScalarBatchNorm.Instance;
    stdout.WriteLine(ProtocolMessages.FormatRunReply(seq, fixture, CaseExecutor.Execute(fixture, implementation)));
}

return 0;

static long Size(long fallback) =>
    long.TryParse(Environment.GetEnvironmentVariable("FAKE_SIZE_BYTES"), System.Globalization.CultureInfo.InvariantCulture, out long size) ? size : fallback;

// 8 MB of stderr: far more than a pipe buffer, so a runner that does not drain stderr would deadlock here.
static void Flood()
{
    string chunk = new string('e', 8191) + "\n";
    for (int i = 0; i < 1024; i++)
    {
        Console.Error.Write(chunk);
    }
}
