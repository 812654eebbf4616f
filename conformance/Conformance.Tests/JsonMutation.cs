using System.Text.Json.Nodes;
using CsCheck;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>Hostile edits of a JSON document for property tests: replace some nodes with values a tamperer would try.</summary>
internal static class JsonMutation
{
    private static readonly JsonNode?[] s_hostileValues =
    [
        null, true, 0, -1, 1.5, 1e20, 2147483648, 1073741824, "", "bool", "x\n\u001b[31m", "../../etc/passwd", new JsonArray(), new JsonObject(),
        new JsonArray((JsonNode?)null), new JsonArray(65536, 65536), new JsonArray(1073741824), new JsonArray(-3), new JsonArray(1.5),
    ];

    /// <summary>One to three (node index, hostile value index) pairs for a document of <paramref name="nodeCount"/> nodes.</summary>
    public static Gen<(int Node, int Value)[]> Edits(int nodeCount) =>
        Gen.Select(Gen.Int[0, nodeCount - 1], Gen.Int[0, s_hostileValues.Length - 1]).Array[1, 3];

    /// <summary>Parses <paramref name="json"/> and applies the edits.</summary>
    public static JsonNode Apply(ReadOnlySpan<byte> json, (int Node, int Value)[] edits)
    {
        JsonNode root = JsonNode.Parse(json)!;
        foreach ((int node, int value) in edits)
        {
            List<JsonNode> nodes = Nodes(root);
            Replace(nodes[node % nodes.Count], s_hostileValues[value]?.DeepClone());
        }

        return root;
    }

    /// <summary>Every node under the root (not the root itself), depth first.</summary>
    public static List<JsonNode> Nodes(JsonNode root)
    {
        var nodes = new List<JsonNode>();
        void Visit(JsonNode node)
        {
            IEnumerable<JsonNode?> children = node switch
            {
                JsonObject o => o.Select(p => p.Value),
                JsonArray a => a,
                _ => [],
            };
            foreach (JsonNode? child in children)
            {
                if (child is not null)
                {
                    nodes.Add(child);
                    Visit(child);
                }
            }
        }

        Visit(root);
        return nodes;
    }

    private static void Replace(JsonNode node, JsonNode? value)
    {
        switch (node.Parent)
        {
            case JsonObject parent:
                parent[node.GetPropertyName()] = value;
                break;
            case JsonArray parent:
                parent[node.GetElementIndex()] = value;
                break;
        }
    }
}
