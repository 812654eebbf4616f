using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BatchNormAxis.Conformance;
using BatchNormAxis.Conformance.Diagnosis;
using BatchNormAxis.Conformance.Protocol;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Cli;

/// <summary>
/// <c>bnaxis diagnose CASE-ID [--reply FILE] [--fixtures DIR] [--json]</c>: grades one answer to one case, given in the
/// protocol's run-reply form (docs/protocol.md), and names the known convention failing outputs match. It is how a
/// runner that is not <c>bnaxis run</c> (the Python package's pytest plugin) gets the diagnosis.
/// </summary>
internal static class DiagnoseCommand
{
    public static Command Create(TextWriter output)
    {
        Argument<string> caseArgument = new("CASE-ID") { Description = "The id of the case answered, as in fixtures/manifest.json." };
        Option<string?> replyOption = new("--reply")
        {
            Description = $"A file holding the answer: one run reply as a harness prints it, {{\"seq\": 1, \"outputs\": {{...}}}} (any seq from 1). Default (or '-'): standard input. At most {HarnessLimits.DefaultMaxLineBytes.ToString(CultureInfo.InvariantCulture)} bytes.",
            HelpName = "FILE",
        };
        Option<string?> fixturesOption = new("--fixtures") { Description = FixtureDirectory.OptionDescription, HelpName = "DIR" };
        Option<bool> jsonOption = new("--json") { Description = "Print one JSON object with the keys id, verdict, message and diagnosis (an array of {convention, explanation})." };
        Command command = new("diagnose", "Grade one answer to one case and name the known convention failing outputs match (the diagnosis of bnaxis run). Exit codes: 0 the answer passes, 1 it does not (diagnosed or not), 2 invalid command line or input (an unknown case, a reply that breaks docs/protocol.md).")
        {
            caseArgument, replyOption, fixturesOption, jsonOption,
        };
        command.SetAction(parseResult =>
        {
            string id = parseResult.GetValue(caseArgument)!;
            FixtureCase fixture = ReadCase(FixtureDirectory.Resolve(parseResult.GetValue(fixturesOption)), id);
            CaseResponse response = ParseReply(ReadReply(parseResult.GetValue(replyOption)), fixture);
            CaseResult result = CaseGrader.Grade(fixture, response);
            IReadOnlyList<Finding> findings = result.Verdict == CaseVerdict.Failed ? Diagnoser.Diagnose(fixture, response) : [];
            bool diagnosable = result.Verdict == CaseVerdict.Failed && response.Kind == ResponseKind.Outputs;
            output.Write(parseResult.GetValue(jsonOption) ? ToJson(result, findings) + "\n" : ToText(result, findings, diagnosable));
            return result.Verdict == CaseVerdict.Passed ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>The verdict line, then for failing outputs one line per convention named (or a line saying none was).</summary>
    internal static string ToText(CaseResult result, IReadOnlyList<Finding> findings, bool diagnosable)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        string verdict = result.Verdict.ToString().ToLowerInvariant();
        text.WriteLine(result.Message is null ? $"{result.Id}: {verdict}" : $"{result.Id}: {verdict}: {CommandLineValues.Escape(result.Message)}");
        if (diagnosable)
        {
            text.WriteLine(findings.Count == 0
                ? "diagnosis: none (no known convention explains these outputs alone)"
                : string.Join("\n", findings.Select(f => $"diagnosis: {WrongConventions.Name(f.Convention)}: {f.Explanation}")));
        }

        return text.ToString();
    }

    internal static string ToJson(CaseResult result, IReadOnlyList<Finding> findings) => new JsonObject
    {
        ["id"] = result.Id,
        ["verdict"] = result.Verdict.ToString().ToLowerInvariant(),
        ["message"] = result.Message,
        ["diagnosis"] = new JsonArray([.. findings.Select(f => (JsonNode)new JsonObject
        {
            ["convention"] = WrongConventions.Name(f.Convention),
            ["explanation"] = f.Explanation,
        })]),
    }.ToJsonString();

    private static FixtureCase ReadCase(string directory, string id)
    {
        try
        {
            return FixtureSet.Open(directory).ReadCase(id);
        }
        catch (KeyNotFoundException)
        {
            throw new CommandLineValueException($"case {CommandLineValues.Quoted(id)} is not in {CommandLineValues.Quoted(Path.Combine(directory, FixtureFormat.ManifestFileName))}: expected a case id such as keep.r4.k1.train.f32");
        }
        catch (FixtureFormatException exception)
        {
            throw new CommandLineValueException($"the fixtures cannot be used: {exception.Message}");
        }
    }

    /// <summary>The reply's bytes, from the file named or standard input, refused past the protocol's line limit.</summary>
    private static byte[] ReadReply(string? path)
    {
        bool stdin = path is null or "-";
        string source = stdin ? "standard input" : $"--reply {CommandLineValues.Quoted(path!)}";
        try
        {
            if (!stdin && !File.Exists(path))
            {
                throw new CommandLineValueException($"{source} is not a file: expected a file holding one run reply");
            }

            using Stream stream = stdin ? Console.OpenStandardInput() : File.OpenRead(path!);
            var buffer = new MemoryStream();
            byte[] chunk = new byte[81920];
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > HarnessLimits.DefaultMaxLineBytes)
                {
                    throw new CommandLineValueException($"{source} holds more than {HarnessLimits.DefaultMaxLineBytes.ToString(CultureInfo.InvariantCulture)} bytes: expected one run reply within the protocol's line limit");
                }
            }

            return buffer.Length == 0
                ? throw new CommandLineValueException($"{source} is empty: expected one run reply, e.g. {{\"seq\": 1, \"outputs\": {{...}}}}")
                : buffer.ToArray();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CommandLineValueException($"{source} cannot be read: {exception.Message}");
        }
    }

    /// <summary>The answer, checked as <c>bnaxis run</c> checks a harness's; the seq it carries is taken as the one sent.</summary>
    private static CaseResponse ParseReply(byte[] reply, FixtureCase fixture)
    {
        try
        {
            RunReply parsed = ProtocolMessages.ParseRunReply(reply, SeqOf(reply), fixture);
            return parsed.Response!;
        }
        catch (ProtocolException exception)
        {
            throw new CommandLineValueException($"the reply for {fixture.Id}: {exception.Message}");
        }
    }

    /// <summary>The reply's own seq when it is an integer from 1; else 1, and the reply's check names what is wrong.</summary>
    private static int SeqOf(byte[] reply)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(reply);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("seq", out JsonElement seq)
                && seq.TryGetInt32(out int value) && value >= 1 ? value : 1;
        }
        catch (JsonException)
        {
            return 1;
        }
    }
}
