using System.Text.Json;
using Json.Schema;

namespace BatchNormAxis.Cli.Tests;

/// <summary>bnaxis serve answers in the shapes conformance/protocol's schemas describe.</summary>
public class ServeCommandTests
{
    [Fact]
    public void Serve_AnswersStartAndRunAsTheSchemasSay()
    {
        string caseFile = File.ReadAllText(Path.Combine(FakeHarnesses.Fixtures(), "cases", "sequence", "sequence.r3.k1.momentum0.99.f32.json"));
        string invalidFile = File.ReadAllText(Path.Combine(FakeHarnesses.Fixtures(), "cases", "spelling", "spelling.r4.axis-list-1-neg3.train.f32.json"));
        string input = string.Join('\n',
            Conformance.Protocol.ProtocolMessages.Start(),
            Conformance.Protocol.ProtocolMessages.Run(1, System.Text.Encoding.UTF8.GetBytes(caseFile)),
            Conformance.Protocol.ProtocolMessages.Run(2, System.Text.Encoding.UTF8.GetBytes(invalidFile)),
            Conformance.Protocol.ProtocolMessages.Stop()) + "\n";
        using var output = new StringWriter();

        new Conformance.Protocol.ProtocolServer(ScalarBatchNorm.Instance).Serve(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(input)), output);

        string[] lines = output.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        // Building a schema registers it by its $id, so run-reply's $ref to the tensor schema resolves.
        var registry = new SchemaRegistry();
        JsonSchema.FromText(File.ReadAllText(FakeHarnesses.Protocol("tensor.schema.json")), new BuildOptions { SchemaRegistry = registry });
        JsonSchema startReply = Load(registry, "start-reply.schema.json");
        JsonSchema runReply = Load(registry, "run-reply.schema.json");
        AssertValid(startReply, lines[0]);
        AssertValid(runReply, lines[1]);
        AssertValid(runReply, lines[2]);
        Assert.Contains("\"steps\":[", lines[1], StringComparison.Ordinal);
        Assert.Contains("\"rejected\":{\"category\":\"duplicate_axis\"", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_AnswersABadLineWithAnErrorReplyAsTheSchemaSays()
    {
        using var output = new StringWriter();

        new Conformance.Protocol.ProtocolServer(ScalarBatchNorm.Instance).Serve(new MemoryStream("{\"cmd\":1}\nnot json\n"u8.ToArray()), output);

        string[] lines = output.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        JsonSchema errorReply = Load(new SchemaRegistry(), "error-reply.schema.json");
        AssertValid(errorReply, lines[0]);
        AssertValid(errorReply, lines[1]);
    }

    [Fact]
    public void RunMessage_NeverCarriesExpectations()
    {
        string caseFile = File.ReadAllText(Path.Combine(FakeHarnesses.Fixtures(), "cases", "sequence", "sequence.r3.k1.momentum0.99.f32.json"));

        string message = Conformance.Protocol.ProtocolMessages.Run(7, System.Text.Encoding.UTF8.GetBytes(caseFile));

        Assert.Contains("\"steps\"", caseFile, StringComparison.Ordinal);
        Assert.Contains("\"expected\"", caseFile, StringComparison.Ordinal);
        Assert.DoesNotContain("\"expected\"", message, StringComparison.Ordinal);
        Assert.DoesNotContain("\"reference\"", message, StringComparison.Ordinal);
        Assert.DoesNotContain("\"tolerance\"", message, StringComparison.Ordinal);
    }

    private static JsonSchema Load(SchemaRegistry registry, string schemaFile) =>
        JsonSchema.FromText(File.ReadAllText(FakeHarnesses.Protocol(schemaFile)), new BuildOptions { SchemaRegistry = registry });

    private static void AssertValid(JsonSchema schema, string line)
    {
        using JsonDocument document = JsonDocument.Parse(line);
        EvaluationResults results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(results.IsValid, $"{line[..Math.Min(80, line.Length)]}: " + string.Join("; ", (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
    }
}
