using System.Text.Json.Nodes;
using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// Issue 13: the run message a harness receives must not carry the answer, nor say that an error is expected. It is
/// built here for every case exactly as the runner builds it (<see cref="ProtocolMessages.Run"/> on the verified case
/// bytes), and searched for the expectation fields, the error categories, words that announce an error, the kind
/// <c>invalid</c>, the capability <c>errors</c>, and every expected value.
/// </summary>
public class RunMessageLeakTests
{
    private static readonly string[] s_expectationFields = ["expected", "error", "reference", "tolerance"];

    /// <summary>The fields of an expected tensor that hold values: the output-dtype values (binary and text), the reference and the tolerance.</summary>
    private static readonly string[] s_valueFields = ["data", "reference", "tolerance", "values"];

    /// <summary>What a run message's kind may be: the call to make, never "invalid".</summary>
    private static readonly string[] s_callKinds = ["forward", "backward", "sequence"];

    /// <summary>The fields a valid forward case sends (kept_axes only when its axis resolves).</summary>
    private static readonly string[] s_forwardFields = ["format_version", "id", "title", "kind", "mode", "dtype", "shape", "axis", "kept_axes", "layer", "training", "capabilities", "inputs"];

    /// <summary>Words that would say an error is expected, or which, in an id or a title.</summary>
    private static readonly string[] s_revealingWords = ["invalid", "error", "reject", "refuse", "mismatch", "out-of-range", "out of range", "duplicate", "must", "expected"];

    public static TheoryData<string> CaseIds => [.. FixtureLocation.Set.Manifest.Cases.Select(e => e.Id)];

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void RunMessage_CarriesNoExpectation(string id)
    {
        (FixtureCase fixture, byte[] bytes) = FixtureLocation.Set.ReadCaseWithBytes(id);
        JsonObject message = JsonNode.Parse(ProtocolMessages.Run(1, bytes))!.AsObject();
        JsonObject caseFile = JsonNode.Parse(bytes)!.AsObject();

        List<string> names = [];
        List<string> leaves = [];
        Collect(message, names, leaves);
        Assert.Empty(names.Intersect(s_expectationFields, StringComparer.Ordinal));

        // The leaves are found: every input reaches the harness (else the checks below would pass for nothing).
        Assert.All(InputTensors(caseFile), input => Assert.Contains(Leaf(input["data"]!), leaves));

        // No error category, in any field (ids spell categories with hyphens: see the title check below).
        foreach (string category in ErrorCategories.All)
        {
            Assert.DoesNotContain(leaves, leaf => leaf.Contains(category, StringComparison.Ordinal));
        }

        // The title says what the input is, not what to answer: no category in any spelling.
        string title = message["case"]!["title"]!.GetValue<string>();
        foreach (string category in ErrorCategories.All)
        {
            Assert.DoesNotContain(category, title, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(category.Replace('_', '-'), title, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(category.Replace('_', ' '), title, StringComparison.OrdinalIgnoreCase);
        }

        // Nothing says an error is expected: the kind is the call to make, the id and title name the input only,
        // and no capability, field or word tells an invalid case from a valid one.
        JsonObject sent = message["case"]!.AsObject();
        Assert.Contains(sent["kind"]!.GetValue<string>(), s_callKinds);
        Assert.DoesNotContain("errors", sent["capabilities"]!.AsArray().Select(c => c!.GetValue<string>()));
        string sentId = sent["id"]!.GetValue<string>();
        foreach (string word in s_revealingWords)
        {
            Assert.DoesNotContain(word, sentId, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(word, title, StringComparison.OrdinalIgnoreCase);
        }

        if (fixture.Kind == FixtureKind.Invalid)
        {
            // The same fields as a valid forward case, with the same meaning: only the answer differs.
            Assert.Equal("forward", sent["kind"]!.GetValue<string>());
            Assert.Empty(sent.Select(p => p.Key).Except(s_forwardFields, StringComparer.Ordinal));
        }

        // No expected value: every array or string of an expectation is absent, unless an input holds the same
        // (moving statistics an inference call returns unchanged, y = beta with one value per channel).
        HashSet<string> inputLeaves = [.. InputTensors(caseFile).SelectMany(t => Leaves(t))];
        string[] expected = [.. ExpectedTensors(caseFile)
            .SelectMany(t => s_valueFields.Select(f => t[f]).OfType<JsonNode>())
            .Select(Leaf)
            .Where(leaf => !inputLeaves.Contains(leaf))];
        Assert.Equal(fixture.Kind != FixtureKind.Invalid, ExpectedTensors(caseFile).Any());
        Assert.Empty(leaves.Intersect(expected, StringComparer.Ordinal));
    }

    private static IEnumerable<JsonObject> ExpectedTensors(JsonObject caseFile) =>
        new[] { caseFile["expected"] }.Concat(caseFile["steps"]?.AsArray().Select(step => step!["expected"]) ?? [])
            .OfType<JsonObject>()
            .SelectMany(expected => expected.Select(e => e.Value!.AsObject()));

    private static IEnumerable<JsonNode> InputTensors(JsonObject caseFile) =>
        caseFile["inputs"]!.AsObject().Select(i => i.Value!).Concat(caseFile["steps"]?.AsArray().Select(step => step!["x"]!) ?? []);

    private static List<string> Leaves(JsonNode node)
    {
        List<string> leaves = [];
        Collect(node, [], leaves);
        return leaves;
    }

    /// <summary>Every property name, and every string, number and array (as compact JSON) under a node.</summary>
    private static void Collect(JsonNode? node, List<string> names, List<string> leaves)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach ((string name, JsonNode? value) in obj)
                {
                    names.Add(name);
                    Collect(value, names, leaves);
                }

                break;
            case JsonArray array:
                leaves.Add(Leaf(array));
                foreach (JsonNode? item in array)
                {
                    Collect(item, names, leaves);
                }

                break;
            case JsonValue value:
                leaves.Add(Leaf(value));
                break;
        }
    }

    /// <summary>A string by its text (the message escapes differently from the file), anything else as compact JSON.</summary>
    private static string Leaf(JsonNode node) =>
        node is JsonValue value && value.TryGetValue(out string? text) ? "s:" + text : "j:" + node.ToJsonString();
}
