using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Conformance.Tests.Protocol;

/// <summary>
/// docs/protocol.md names every field a harness meets or writes: every field of every schema in
/// conformance/protocol/, and every key of every run message the runner builds from the committed suite (issue 13:
/// <c>steps</c>, <c>kept_axes</c>, <c>mode</c>, <c>title</c> and <c>capabilities</c> were sent but not documented).
/// </summary>
public partial class ProtocolDocsCoverageTests
{
    private static readonly Lazy<HashSet<string>> s_documented = new(() =>
    {
        // A field is documented when it appears in code spans, alone or as the last part of a dotted path (`layer.epsilon`).
        string page = RepositoryFiles.Text("docs", "protocol.md");
        return [.. CodeSpan().Matches(page).Select(m => m.Groups[1].Value.Split('.')[^1])];
    });

    public static TheoryData<string> Schemas => [.. Directory.GetFiles(RepositoryFiles.ProtocolDirectory, "*.schema.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Schemas))]
    public void EveryFieldOfTheSchema_IsInTheDocs(string schema)
    {
        var fields = new SortedSet<string>(StringComparer.Ordinal);
        SchemaFields(JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.ProtocolDirectory, schema)))!, fields);

        Assert.NotEmpty(fields);
        Assert.Equal("", string.Join(", ", fields.Where(f => !s_documented.Value.Contains(f))));
    }

    [Fact]
    public void EveryKeyOfEveryRunMessage_IsInTheDocs()
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (ManifestEntry entry in FixtureLocation.Set.Manifest.Cases)
        {
            MessageKeys(JsonNode.Parse(ProtocolMessages.Run(1, FixtureLocation.Set.ReadCaseWithBytes(entry.Id).Bytes))!, keys);
        }

        // The names the issue found undocumented are among the keys sent, so this test covers them.
        Assert.Superset(new SortedSet<string>(["steps", "kept_axes", "mode", "title", "capabilities", "format_version", "renorm_clipping"], StringComparer.Ordinal), keys);
        Assert.Equal("", string.Join(", ", keys.Where(k => !s_documented.Value.Contains(k))));
    }

    [Fact]
    public void EveryRunMessage_ValidatesAgainstRunSchema()
    {
        var schema = RepositoryFiles.ProtocolSchema("run.schema.json");
        foreach (ManifestEntry entry in FixtureLocation.Set.Manifest.Cases)
        {
            string message = ProtocolMessages.Run(7, FixtureLocation.Set.ReadCaseWithBytes(entry.Id).Bytes);
            Assert.True(RepositoryFiles.Problems(schema, message).Length == 0, $"{entry.Id}: {RepositoryFiles.Problems(schema, message)}");
        }
    }

    /// <summary>Names under <c>properties</c> and in <c>required</c>, at any depth.</summary>
    private static void SchemaFields(JsonNode node, SortedSet<string> fields)
    {
        if (node is JsonObject obj)
        {
            if (obj["properties"] is JsonObject properties)
            {
                fields.UnionWith(properties.Select(p => p.Key));
            }

            if (obj["required"] is JsonArray required)
            {
                fields.UnionWith(required.Select(r => r!.GetValue<string>()));
            }

            foreach (KeyValuePair<string, JsonNode?> child in obj.Where(c => c.Value is not null))
            {
                SchemaFields(child.Value!, fields);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (JsonNode? item in array.Where(i => i is not null))
            {
                SchemaFields(item!, fields);
            }
        }
    }

    private static void MessageKeys(JsonNode node, SortedSet<string> keys)
    {
        if (node is JsonObject obj)
        {
            foreach (KeyValuePair<string, JsonNode?> member in obj)
            {
                keys.Add(member.Key);
                if (member.Value is not null)
                {
                    MessageKeys(member.Value, keys);
                }
            }
        }
        else if (node is JsonArray array)
        {
            foreach (JsonNode? item in array.Where(i => i is not null))
            {
                MessageKeys(item!, keys);
            }
        }
    }

    [GeneratedRegex("`([$a-z_][a-z0-9_.]*)`")]
    private static partial Regex CodeSpan();
}
