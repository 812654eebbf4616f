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
    /// <exception cref="FixtureFormatException">
    /// A value the schema allows but a manifest cannot hold: an integer beyond 32 bits, a shape of rank beyond
    /// <see cref="FixtureLimits.MaxRank"/>, a <c>rank</c> that disagrees with the shape.
    /// </exception>
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

    /// <summary>Parses manifest bytes, validates them against the built-in schema and reads them.</summary>
    /// <param name="bytes">manifest.json's bytes.</param>
    /// <returns>The manifest and the <c>case_count</c> it declares.</returns>
    /// <exception cref="FixtureFormatException">The bytes are not a valid manifest.</exception>
    internal static (FixtureManifest Manifest, long DeclaredCaseCount) Parse(ReadOnlyMemory<byte> bytes)
    {
        using JsonDocument document = FixtureJsonReader.Parse(bytes, FixtureFormat.ManifestFileName, null);
        BuiltInSchemas.Validate("manifest.schema.json", document.RootElement, FixtureFormat.ManifestFileName, null);
        JsonElement caseCount = document.RootElement.GetProperty("case_count");
        return caseCount.TryGetInt64(out long count)
            ? (Read(document.RootElement), count)
            : throw new FixtureFormatException(FixtureFormat.ManifestFileName, null, $"'case_count' holds {OneLine.Quote(caseCount.GetRawText())}: expected the number of entries");
    }

    private static ManifestEntry ReadEntry(JsonElement entry)
    {
        string id = entry.GetProperty("id").GetString()!;
        JsonElement axis = entry.GetProperty("axis");
        JsonElement kept = entry.GetProperty("kept_axes");
        if (!DTypes.TryParse(entry.GetProperty("dtype").GetString(), out FixtureDType dtype))
        {
            throw new FixtureFormatException(FixtureFormat.ManifestFileName, id, "the dtype is unknown: expected float16, bfloat16, float32 or float64");
        }

        ImmutableArray<int> shape = Integers(entry, "shape", id);
        int rank = Integer(entry.GetProperty("rank"), "rank", id);
        if (rank != shape.Length)
        {
            throw new FixtureFormatException(FixtureFormat.ManifestFileName, id, $"rank {rank} disagrees with the shape's {shape.Length} dimensions");
        }

        return new ManifestEntry(
            id,
            entry.GetProperty("path").GetString()!,
            entry.GetProperty("sha256").GetString()!,
            Enum.Parse<FixtureKind>(entry.GetProperty("kind").GetString()!, ignoreCase: true),
            entry.GetProperty("mode").GetString()!,
            dtype,
            shape,
            axis.ValueKind == JsonValueKind.Array ? AxisSpec.List([.. Integers(entry, "axis", id)]) : AxisSpec.Of(Integer(axis, "axis", id)),
            kept.ValueKind == JsonValueKind.Null ? null : Integers(entry, "kept_axes", id),
            [.. entry.GetProperty("capabilities").EnumerateArray().Select(e => e.GetString()!)],
            entry.TryGetProperty("error", out JsonElement error) ? error.GetString() : null);
    }

    private static ImmutableArray<int> Integers(JsonElement entry, string field, string id)
    {
        JsonElement array = entry.GetProperty(field);
        return array.GetArrayLength() <= FixtureLimits.MaxRank
            ? [.. array.EnumerateArray().Select(e => Integer(e, field, id))]
            : throw new FixtureFormatException(FixtureFormat.ManifestFileName, id, $"'{field}' has {array.GetArrayLength()} entries: expected at most {FixtureLimits.MaxRank} (the largest rank)");
    }

    private static int Integer(JsonElement element, string field, string id) =>
        element.TryGetInt32(out int value)
            ? value
            : throw new FixtureFormatException(FixtureFormat.ManifestFileName, id, $"'{field}' holds {OneLine.Quote(element.GetRawText())}: expected 32-bit integers");
}
