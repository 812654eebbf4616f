using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using BatchNormAxis.Conformance;
using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Cli;

/// <summary>
/// <c>bnaxis serve --impl scalar</c>: a built-in implementation as a harness, speaking docs/protocol.md on
/// stdin/stdout, so any runner (ours or another) can drive it.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        Option<string> implOption = new("--impl") { Description = "The built-in implementation to serve: fast (default) or scalar.", DefaultValueFactory = _ => BuiltInImplementations.Default };
        Command command = new("serve", "Serve a built-in implementation over the harness protocol (docs/protocol.md) on stdin/stdout until 'stop' or end of input.")
        {
            implOption,
        };
        command.SetAction(parseResult =>
        {
            IBatchNormalization implementation = BuiltInImplementations.Get(parseResult.GetValue(implOption)!);
            using var input = new StreamReader(Console.OpenStandardInput(), Encoding.UTF8);
            using var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            return Serve(implementation, input, output, Console.Error);
        });
        return command;
    }

    /// <summary>The protocol loop: one reply line per start or run; stop or end of input ends it.</summary>
    public static int Serve(IBatchNormalization implementation, TextReader input, TextWriter output, TextWriter error)
    {
        while (input.ReadLine() is { } line)
        {
            JsonObject? message;
            try
            {
                message = JsonNode.Parse(line) as JsonObject;
            }
            catch (System.Text.Json.JsonException)
            {
                message = null;
            }

            switch (message?["cmd"]?.GetValue<string>())
            {
                case "start":
                    output.WriteLine(StartReply(implementation));
                    break;
                case "run":
                    output.WriteLine(RunReply(implementation, message!));
                    break;
                case "stop":
                    return ExitCodes.Success;
                default:
                    error.WriteLine($"bnaxis serve: ignoring a line that is not a start, run or stop message: {(line.Length > 200 ? line[..200] + "..." : line)}");
                    break;
            }
        }

        return ExitCodes.Success;
    }

    private static string StartReply(IBatchNormalization implementation) => new JsonObject
    {
        ["protocol"] = ProtocolMessages.Version,
        ["implementation"] = new JsonObject
        {
            ["name"] = $"bnaxis-{implementation.Name}",
            ["version"] = typeof(IBatchNormalization).Assembly.GetName().Version?.ToString(3),
            ["language"] = "C#",
        },
        ["capabilities"] = new JsonObject
        {
            ["dtypes"] = new JsonArray("float16", "bfloat16", "float32", "float64"),
            ["ranks"] = new JsonArray(1, 2, 3, 4, 5, 6),
            ["features"] = new JsonArray([.. HarnessCapabilities.AllFeatures.Select(f => (JsonNode)f)]),
        },
    }.ToJsonString();

    private static string RunReply(IBatchNormalization implementation, JsonObject message)
    {
        int seq = message["seq"]?.GetValue<int>() ?? -1;
        try
        {
            byte[] caseJson = Encoding.UTF8.GetBytes(message["case"]?.ToJsonString() ?? "null");
            FixtureCase fixture = FixtureJsonReader.Read(caseJson, "run message", requireExpectations: false);
            return ProtocolMessages.FormatRunReply(seq, fixture, CaseExecutor.Execute(fixture, implementation));
        }
        catch (FixtureFormatException exception)
        {
            return new JsonObject { ["seq"] = seq, ["errored"] = new JsonObject { ["message"] = exception.Message } }.ToJsonString();
        }
    }
}
