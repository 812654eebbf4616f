namespace BatchNormAxis.Conformance;

/// <summary>
/// The JSON Schemas (2020-12) of the fixture files, one per case kind plus the manifest. They are built here from
/// shared pieces, written into <c>fixtures/schema/</c> by the generator (<see cref="FileBytes"/>) for other tools to
/// use, and compiled into <see cref="FixtureSet"/>, which validates every file with them before reading it and never
/// with the folder's own copies.
/// </summary>
public static class FixtureSchemas
{
    private const string Draft = "https://json-schema.org/draft/2020-12/schema";
    private const string IdPrefix = "urn:batchnormaxis:fixtures:1:";

    private const string Tensor = """
        {
          "type": "object",
          "required": ["dtype", "shape", "data"],
          "additionalProperties": false,
          "properties": {
            "dtype": { "enum": ["float16", "bfloat16", "float32", "float64", "bool"] },
            "shape": { "type": "array", "items": { "type": "integer", "minimum": 0 } },
            "data": { "type": "string", "description": "Base64 of the little-endian bytes of every element, row-major. The authority." },
            "values": { "type": "array", "description": "Readable decimals for small tensors; never authoritative.", "items": { "type": ["number", "boolean", "string"] } }
          }
        }
        """;

    private const string Expected = """
        {
          "type": "object",
          "required": ["dtype", "shape", "data", "reference", "tolerance"],
          "additionalProperties": false,
          "properties": {
            "dtype": { "enum": ["float16", "bfloat16", "float32", "float64"] },
            "shape": { "type": "array", "items": { "type": "integer", "minimum": 0 } },
            "data": { "type": "string", "description": "Base64 little-endian: the reference rounded to dtype." },
            "reference": { "type": "string", "description": "Base64 little-endian float64: the oracle value of every element." },
            "tolerance": { "type": "string", "description": "Base64 little-endian float64: pass iff |actual - reference| <= tolerance (docs/tolerance.md)." },
            "values": { "type": "array", "items": { "type": ["number", "string"] } }
          }
        }
        """;

    private const string CommonProperties = """
        "format_version": { "type": "string", "pattern": "^1\\.[0-9]+\\.[0-9]+$" },
        "id": { "type": "string", "pattern": "^[a-z0-9][a-z0-9.+-]*$" },
        "title": { "type": "string" },
        "mode": { "enum": ["training", "inference", "frozen"] },
        "dtype": { "enum": ["float16", "bfloat16", "float32", "float64"] },
        "shape": { "type": "array", "items": { "type": "integer" } },
        "axis": { "oneOf": [ { "type": "integer" }, { "type": "array", "items": { "type": "integer" } } ] },
        "kept_axes": { "type": "array", "items": { "type": "integer", "minimum": 0 } },
        "layer": {
          "type": "object",
          "required": ["momentum", "epsilon", "center", "scale", "trainable"],
          "additionalProperties": false,
          "properties": {
            "momentum": { "type": "number" },
            "epsilon": { "type": "number" },
            "center": { "type": "boolean" },
            "scale": { "type": "boolean" },
            "trainable": { "type": "boolean" },
            "renorm": { "type": "boolean", "description": "Batch renormalization (Keras renorm=True); absent or false: none. Format 1.1.0." },
            "renorm_momentum": { "type": "number", "minimum": 0, "maximum": 1 },
            "renorm_clipping": {
              "type": "object",
              "description": "A missing key is no clip (Keras).",
              "additionalProperties": false,
              "properties": { "rmin": { "type": "number" }, "rmax": { "type": "number" }, "dmax": { "type": "number", "minimum": 0 } }
            }
          },
          "dependentRequired": { "renorm_momentum": ["renorm"], "renorm_clipping": ["renorm"] },
          "if": { "required": ["renorm"], "properties": { "renorm": { "const": true } } },
          "then": { "required": ["renorm_momentum", "renorm_clipping"] }
        },
        "training": { "type": "boolean" },
        "capabilities": { "type": "array", "items": { "type": "string" }, "uniqueItems": true },
        "inputs": { "type": "object", "additionalProperties": { "$ref": "#/$defs/tensor" } }
        """;

    private const string CommonRequired = "\"format_version\", \"id\", \"kind\", \"title\", \"mode\", \"dtype\", \"shape\", \"axis\", \"layer\", \"training\", \"capabilities\", \"inputs\"";

    /// <summary>File name and text of every schema, in a fixed order.</summary>
    public static IReadOnlyList<(string FileName, string Text)> All { get; } =
    [
        ("case-forward.schema.json", CaseSchema("forward", "One forward call: y and the moving statistics after it.", """
            "expected": { "type": "object", "required": ["y", "moving_mean", "moving_variance"], "additionalProperties": { "$ref": "#/$defs/expected" } }
            """, "\"kept_axes\", \"expected\"")),
        ("case-backward.schema.json", CaseSchema("backward", "Gradients of sum(dy * y) for one call: dx, and dgamma and dbeta when the layer has them.", """
            "expected": { "type": "object", "required": ["dx"], "additionalProperties": { "$ref": "#/$defs/expected" } }
            """, "\"kept_axes\", \"expected\"")),
        ("case-sequence.schema.json", CaseSchema("sequence", "Several calls on one layer; the implementation carries its moving statistics from call to call.", """
            "steps": {
              "type": "array",
              "minItems": 1,
              "items": {
                "type": "object",
                "required": ["training", "x", "expected"],
                "additionalProperties": false,
                "properties": {
                  "training": { "type": "boolean" },
                  "x": { "$ref": "#/$defs/tensor" },
                  "expected": { "type": "object", "required": ["y", "moving_mean", "moving_variance"], "additionalProperties": { "$ref": "#/$defs/expected" } }
                }
              }
            }
            """, "\"kept_axes\", \"steps\"")),
        ("case-invalid.schema.json", CaseSchema("invalid", "Input a conforming implementation must reject with the given error category.", $$"""
            "error": { "enum": [{{string.Join(", ", ErrorCategories.All.Select(c => $"\"{c}\""))}}] }
            """, "\"error\"")),
        ("manifest.schema.json", ManifestSchema()),
    ];

    /// <summary>The exact bytes of a schema file as the generator writes it into <c>schema/</c>: UTF-8, LF line ends, a final newline.</summary>
    /// <param name="fileName">A file name from <see cref="All"/>.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="ArgumentException">No schema has that name.</exception>
    public static byte[] FileBytes(string fileName)
    {
        foreach ((string name, string text) in All)
        {
            if (name == fileName)
            {
                return System.Text.Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n") + "\n");
            }
        }

        throw new ArgumentException($"no built-in schema is named '{fileName}'", nameof(fileName));
    }

    /// <summary>The schema file that validates a case of the given kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The file name in <c>schema/</c>.</returns>
    public static string FileNameFor(FixtureKind kind) => $"case-{FixtureJsonWriter.KindName(kind)}.schema.json";

    private static string CaseSchema(string kind, string description, string kindProperties, string kindRequired) => $$"""
        {
          "$schema": "{{Draft}}",
          "$id": "{{IdPrefix}}case-{{kind}}",
          "title": "BatchNormAxis {{kind}} case",
          "description": "{{description}}",
          "type": "object",
          "required": [{{CommonRequired}}, {{kindRequired}}],
          "additionalProperties": false,
          "properties": {
            "kind": { "const": "{{kind}}" },
            {{CommonProperties}},
            {{kindProperties}}
          },
          "$defs": {
            "tensor": {{Tensor}},
            "expected": {{Expected}}
          }
        }
        """;

    private static string ManifestSchema() => $$"""
        {
          "$schema": "{{Draft}}",
          "$id": "{{IdPrefix}}manifest",
          "title": "BatchNormAxis fixture manifest",
          "description": "Every case with its file, SHA-256 and the facts a runner filters on.",
          "type": "object",
          "required": ["format_version", "suite_version", "generator", "case_count", "cases"],
          "additionalProperties": false,
          "properties": {
            "format_version": { "type": "string", "pattern": "^1\\.[0-9]+\\.[0-9]+$" },
            "suite_version": { "type": "string" },
            "generator": { "type": "object", "additionalProperties": { "type": "string" } },
            "case_count": { "type": "integer", "minimum": 0 },
            "cases": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["id", "path", "sha256", "kind", "mode", "dtype", "rank", "shape", "axis", "kept_axes", "capabilities", "expects"],
                "additionalProperties": false,
                "properties": {
                  "id": { "type": "string" },
                  "path": { "type": "string", "pattern": "^cases/[a-z0-9./+-]+\\.json$" },
                  "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
                  "kind": { "enum": ["forward", "backward", "sequence", "invalid"] },
                  "mode": { "enum": ["training", "inference", "frozen"] },
                  "dtype": { "enum": ["float16", "bfloat16", "float32", "float64"] },
                  "rank": { "type": "integer", "minimum": 0 },
                  "shape": { "type": "array", "items": { "type": "integer" } },
                  "axis": { "oneOf": [ { "type": "integer" }, { "type": "array", "items": { "type": "integer" } } ] },
                  "kept_axes": { "oneOf": [ { "type": "null" }, { "type": "array", "items": { "type": "integer" } } ] },
                  "capabilities": { "type": "array", "items": { "type": "string" } },
                  "expects": { "enum": ["outputs", "error"] },
                  "error": { "type": "string" }
                }
              }
            }
          }
        }
        """;
}
