using System.Text.Json.Nodes;
using CsCheck;

namespace BatchNormAxis.Conformance.Tests.Protocol;

/// <summary>
/// Generates hostile variants of a valid protocol line: one value replaced by a value of the wrong type or range
/// (null, 200.0, 1e30, a 10,000-character string, a control character...), a key removed or repeated, the line cut
/// short, or a stray character inserted. Raw JSON tokens are spliced in as text, so <c>200.0</c> stays <c>200.0</c>.
/// </summary>
internal static class HostileJson
{
    private const string Placeholder = "\u0001hostile\u0001";

    /// <summary>JSON tokens no field of the protocol accepts everywhere.</summary>
    public static readonly string[] Tokens =
    [
        "null", "0", "-1", "1.5", "200.0", "1e20", "1e30", "-0", "2147483648", "1E2", "\"\"", "\"x\"", "\"bool\"",
        "\"float32\"", "[]", "[null]", "[65536,65536]", "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]",
        "{}", "true", "{\"a\":null}", "\"\\u0000\\u001b[31m\"", "\"" + new string('a', 10_000) + "\"", "\"@@@@\"",
    ];

    /// <summary>Hostile variants of <paramref name="valid"/>.</summary>
    public static Gen<string> Variants(string valid)
    {
        JsonNode root = JsonNode.Parse(valid)!;
        int nodes = Paths(root).Count;
        Gen<string> replaced = Gen.Select(Gen.Int[0, nodes - 1], Gen.OneOf(Tokens), (i, token) => Replace(valid, i, token));
        Gen<string> removed = Gen.Int[0, nodes - 1].Select(i => Remove(valid, i));
        Gen<string> repeated = Gen.Select(Gen.Int[0, nodes - 1], Gen.OneOf(Tokens), (i, token) => Repeat(valid, i, token));
        Gen<string> cut = Gen.Int[0, valid.Length - 1].Select(i => valid[..i]);
        Gen<string> stray = Gen.Select(Gen.Int[0, valid.Length - 1], Gen.OneOf('\0', '\u001b', '"', '}', ',', 'x', '\u00e9', '\\'), (i, c) => valid.Insert(i, c.ToString()));
        return Gen.Frequency((6, replaced), (2, removed), (2, repeated), (1, cut), (1, stray));
    }

    private static string Replace(string valid, int index, string token)
    {
        JsonNode root = JsonNode.Parse(valid)!;
        (JsonNode parent, object key) = Paths(root)[index];
        Set(parent, key, JsonValue.Create(Placeholder));
        return Splice(root, token);
    }

    private static string Remove(string valid, int index)
    {
        JsonNode root = JsonNode.Parse(valid)!;
        (JsonNode parent, object key) = Paths(root)[index];
        if (parent is JsonObject obj)
        {
            obj.Remove((string)key);
        }
        else
        {
            parent.AsArray().RemoveAt((int)key);
        }

        return root.ToJsonString();
    }

    /// <summary>A key of the object holding the chosen node written twice, the second time with a hostile value.</summary>
    private static string Repeat(string valid, int index, string token)
    {
        JsonNode root = JsonNode.Parse(valid)!;
        (JsonNode parent, object key) = Paths(root)[index];
        if (parent is not JsonObject obj)
        {
            return Replace(valid, index, token);
        }

        obj["\u0002repeat\u0002"] = JsonValue.Create(Placeholder);
        return Splice(root, token).Replace("\"\\u0002repeat\\u0002\"", $"\"{key}\"", StringComparison.Ordinal);
    }

    private static string Splice(JsonNode root, string token) =>
        root.ToJsonString().Replace("\"\\u0001hostile\\u0001\"", token, StringComparison.Ordinal);

    private static void Set(JsonNode parent, object key, JsonNode value)
    {
        if (parent is JsonObject obj)
        {
            obj[(string)key] = value;
        }
        else
        {
            parent.AsArray()[(int)key] = value;
        }
    }

    /// <summary>Every (container, key or index) in the tree, depth first; the root itself is not one.</summary>
    private static List<(JsonNode Parent, object Key)> Paths(JsonNode root)
    {
        var paths = new List<(JsonNode, object)>();
        void Walk(JsonNode node)
        {
            if (node is JsonObject obj)
            {
                foreach ((string key, JsonNode? child) in obj)
                {
                    paths.Add((obj, key));
                    if (child is not null)
                    {
                        Walk(child);
                    }
                }
            }
            else if (node is JsonArray array)
            {
                for (int i = 0; i < array.Count; i++)
                {
                    paths.Add((array, i));
                    if (array[i] is { } child)
                    {
                        Walk(child);
                    }
                }
            }
        }

        Walk(root);
        return paths;
    }
}
