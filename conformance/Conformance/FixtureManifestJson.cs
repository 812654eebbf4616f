using System.Buffers;
using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BatchNormAxis.Conformance;

/// <summary>Writes and reads <c>manifest.json</c>, deterministically.</summary>
public static class FixtureManifestJson
{
    /// <summary>Serializes a manifest.</summary>
    /// <param name="manifest">The manifest.</param>
    /// <returns>UTF-8 JSON ending in a newline.</returns>
    public static byte[] Write(FixtureManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("format_version", manifest.FormatVersion);
            json.WriteString("suite_version", manifest.SuiteVersion);
            json.WriteStartObject("generator");
            foreach ((string key, string value) in manifest.Generator)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            json.WriteNumber("case_count", manifest.Cases.Length);
            json.WriteStartArray("cases");
            foreach (ManifestEntry entry in manifest.Cases)
            {
                json.WriteStartObject();
                json.WriteString("id", entry.Id);
                json.WriteString("path", entry.Path);
                json.WriteString("sha256", entry.Sha256);
                json.WriteString("kind", FixtureJsonWriter.KindName(entry.Kind));
                json.WriteString("mode", entry.Mode);
                json.WriteString("dtype", DTypes.Name(entry.DType));
                json.WriteNumber("rank", entry.Shape.Length);
                FixtureJsonWriter.WriteIntegers(json, "shape", entry.Shape);
                FixtureJsonWriter.WriteAxis(json, "axis", entry.Axis);
                if (entry.KeptAxes is { } kept)
                {
                    FixtureJsonWriter.WriteIntegers(json, "kept_axes", kept);
                }
                else
                {
                    json.WriteNull("kept_axes");
                }

                json.WriteStartArray("capabilities");
                foreach (string capability in entry.Capabilities)
                {
                    json.WriteStringValue(capability);
                }

                json.WriteEndArray();
                json.WriteString("expects", entry.Expects);
                if (entry.ExpectedError is not null)
                {
                    json.WriteString("error", entry.ExpectedError);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a manifest already validated against its schema.</summary>
    /// <param name="root">The parsed manifest.</param>
    /// <returns>The manifest.</returns>
    public static FixtureManifest Read(JsonElement root)
    {
        var generator = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty property in root.GetProperty("generator").EnumerateObject())
        {
            generator[property.Name] = property.Value.GetString()!;
        }

        ImmutableArray<ManifestEntry> cases = [.. root.GetProperty("cases").EnumerateArray().Select(ReadEntry)];
        return new FixtureManifest(
            root.GetProperty("format_version").GetString()!,
            root.GetProperty("suite_version").GetString()!,
            generator.ToImmutable(),
            cases);
    }

    private static ManifestEntry ReadEntry(JsonElement entry)
    {
        JsonElement axis = entry.GetProperty("axis");
        JsonElement kept = entry.GetProperty("kept_axes");
        if (!DTypes.TryParse(entry.GetProperty("dtype").GetString(), out FixtureDType dtype))
        {
            throw new FormatException($"unknown dtype in manifest entry {entry.GetProperty("id")}");
        }

        return new ManifestEntry(
            entry.GetProperty("id").GetString()!,
            entry.GetProperty("path").GetString()!,
            entry.GetProperty("sha256").GetString()!,
            Enum.Parse<FixtureKind>(entry.GetProperty("kind").GetString()!, ignoreCase: true),
            entry.GetProperty("mode").GetString()!,
            dtype,
            [.. entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())],
            axis.ValueKind == JsonValueKind.Array ? AxisSpec.List([.. axis.EnumerateArray().Select(e => e.GetInt32())]) : AxisSpec.Of(axis.GetInt32()),
            kept.ValueKind == JsonValueKind.Null ? null : [.. kept.EnumerateArray().Select(e => e.GetInt32())],
            [.. entry.GetProperty("capabilities").EnumerateArray().Select(e => e.GetString()!)],
            entry.TryGetProperty("error", out JsonElement error) ? error.GetString() : null);
    }
}
