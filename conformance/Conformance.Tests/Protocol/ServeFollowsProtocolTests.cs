using System.Text;
using System.Text.Json.Nodes;
using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Conformance.Tests.Protocol;

/// <summary>
/// <c>bnaxis serve</c> answers as docs/protocol.md says a harness must (issue 13): no <c>dgamma</c> without scale, no
/// <c>dbeta</c> without center, parameter outputs in the compact parameter shape, and an answer to a run message that
/// carries only what run.schema.json requires.
/// </summary>
public class ServeFollowsProtocolTests
{
    private static readonly ProtocolServer s_server = new(ScalarBatchNorm.Instance);

    public static TheoryData<string> ValidCases => [.. FixtureLocation.Set.Manifest.Cases.Where(c => c.Kind != FixtureKind.Invalid).Select(c => c.Id)];

    public static TheoryData<string> AllCases => [.. FixtureLocation.Set.Manifest.Cases.Select(c => c.Id)];

    [Fact]
    public void BackwardWithoutScaleOrCenter_OmitsDgammaOrDbeta()
    {
        FixtureCase[] cases = [.. FixtureLocation.Set.Manifest.Cases
            .Where(c => c.Kind == FixtureKind.Backward)
            .Select(c => FixtureLocation.Set.ReadCase(c.Id))
            .Where(c => !c.Options.Scale || !c.Options.Center)];
        Assert.NotEmpty(cases);
        var schema = RepositoryFiles.ProtocolSchema("run-reply.schema.json");
        foreach (FixtureCase fixture in cases)
        {
            string reply = Answer(ProtocolMessages.Run(3, FixtureLocation.Set.ReadCaseWithBytes(fixture.Id).Bytes));
            JsonObject outputs = JsonNode.Parse(reply)!["outputs"]!.AsObject();

            Assert.Equal(fixture.Options.Scale, outputs.ContainsKey("dgamma"));
            Assert.Equal(fixture.Options.Center, outputs.ContainsKey("dbeta"));
            Assert.True(outputs.ContainsKey("dx"), fixture.Id);
            Assert.Equal("", RepositoryFiles.Problems(schema, reply));
        }
    }

    [Theory]
    [MemberData(nameof(ValidCases))]
    public void ServedAnswer_HasEveryOutputInItsExpectedShape(string id)
    {
        (FixtureCase fixture, byte[] bytes) = FixtureLocation.Set.ReadCaseWithBytes(id);
        RunReply reply = ProtocolMessages.ParseRunReply(Answer(ProtocolMessages.Run(5, bytes)), 5, fixture);

        Assert.NotNull(reply.Response?.Shapes);
        foreach ((string name, ExpectedTensor expected) in CaseGrader.Expectations(fixture))
        {
            Assert.Equal(expected.Shape, reply.Response.Shapes[name]);
        }

        Assert.Equal(CaseVerdict.Passed, CaseGrader.Grade(fixture, reply.Response).Verdict);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void RunMessageWithOnlyTheRequiredFields_IsAnswered(string id)
    {
        (FixtureCase fixture, byte[] bytes) = FixtureLocation.Set.ReadCaseWithBytes(id);
        JsonObject message = JsonNode.Parse(ProtocolMessages.Run(9, bytes))!.AsObject();
        JsonObject schema = JsonNode.Parse(RepositoryFiles.Text("conformance", "protocol", "run.schema.json"))!.AsObject();
        KeepRequired(message, schema);
        JsonObject sent = message["case"]!.AsObject();
        Assert.False(fixture.Kind == FixtureKind.Invalid && sent.ContainsKey("kept_axes"), "kept_axes is optional on an invalid case and was kept");

        string reply = Answer(message.ToJsonString());

        Assert.DoesNotContain("\"errored\"", reply, StringComparison.Ordinal);
        RunReply parsed = ProtocolMessages.ParseRunReply(reply, 9, fixture);
        Assert.Equal(CaseVerdict.Passed, CaseGrader.Grade(fixture, parsed.Response!).Verdict);
    }

    /// <summary>Drops from a run message every field run.schema.json does not require of it.</summary>
    private static void KeepRequired(JsonObject message, JsonObject schema)
    {
        JsonObject caseSchema = schema["properties"]!["case"]!.AsObject();
        JsonObject fixture = message["case"]!.AsObject();
        string kind = fixture["kind"]!.GetValue<string>();
        var required = new HashSet<string>(Names(caseSchema["required"]), StringComparer.Ordinal);
        foreach (JsonNode? rule in caseSchema["allOf"]!.AsArray())
        {
            JsonNode condition = rule!["if"]!["properties"]!["kind"]!;
            bool applies = condition["const"]?.GetValue<string>() == kind || Names(condition["enum"]).Contains(kind);
            if (applies)
            {
                required.UnionWith(Names(rule["then"]!["required"]));
            }
        }

        Keep(fixture, required);
        JsonObject layer = fixture["layer"]!.AsObject();
        bool renorm = layer["renorm"]?.GetValue<bool>() == true;
        Keep(layer, [.. Names(caseSchema["properties"]!["layer"]!["required"]), .. renorm ? ["renorm", "renorm_momentum", "renorm_clipping"] : Array.Empty<string>()]);
        string[] tensorFields = Names(schema["$defs"]!["tensor"]!["required"]);
        foreach (JsonNode? tensor in fixture["inputs"]!.AsObject().Select(i => i.Value))
        {
            Keep(tensor!.AsObject(), tensorFields);
        }

        foreach (JsonNode? step in fixture["steps"]?.AsArray() ?? [])
        {
            Keep(step!.AsObject(), Names(caseSchema["properties"]!["steps"]!["items"]!["required"]));
            Keep(step["x"]!.AsObject(), tensorFields);
        }
    }

    private static void Keep(JsonObject obj, IEnumerable<string> names)
    {
        var keep = names.ToHashSet(StringComparer.Ordinal);
        foreach (string key in obj.Select(m => m.Key).Where(k => !keep.Contains(k)).ToList())
        {
            obj.Remove(key);
        }
    }

    private static string[] Names(JsonNode? array) => array is JsonArray items ? [.. items.Select(i => i!.GetValue<string>())] : [];

    private static string Answer(string line)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line);
        return s_server.Answer(new ReceivedLine(bytes, bytes.Length))!;
    }
}
