using System.Collections.Frozen;
using System.Text.Json;
using Json.Schema;

namespace BatchNormAxis.Conformance;

/// <summary>
/// Validates fixture files against the schemas compiled into this tool (<see cref="FixtureSchemas"/>), never against
/// the <c>schema/</c> files of the folder being checked: a folder cannot vouch for itself.
/// </summary>
internal static class BuiltInSchemas
{
    private static readonly FrozenDictionary<string, Lazy<JsonSchema>> s_schemas = FixtureSchemas.All.ToFrozenDictionary(
        schema => schema.FileName,
        schema => new Lazy<JsonSchema>(() => JsonSchema.FromText(schema.Text, new BuildOptions { SchemaRegistry = new SchemaRegistry() })),
        StringComparer.Ordinal);

    /// <summary>Validates a parsed file against one built-in schema.</summary>
    /// <param name="schemaFileName">The schema's file name, e.g. <c>manifest.schema.json</c>.</param>
    /// <param name="instance">The parsed file.</param>
    /// <param name="path">The file, for messages.</param>
    /// <param name="id">The case, for messages.</param>
    /// <exception cref="FixtureFormatException">The file breaks the schema; the message names the first place and its value.</exception>
    public static void Validate(string schemaFileName, JsonElement instance, string path, string? id)
    {
        EvaluationResults results = s_schemas[schemaFileName].Value.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return;
        }

        // A oneOf or anyOf that holds lists the branches that did not match among its details, and an if that does not
        // hold its own failure: they are no errors of the file, so a real error is named first.
        IEnumerable<EvaluationResults> failures = (results.Details ?? []).Where(d => d.Errors is { Count: > 0 });
        EvaluationResults? first = failures.FirstOrDefault(d => !InAlternative(d)) ?? failures.FirstOrDefault();
        if (first is null)
        {
            throw new FixtureFormatException(path, id, "schema violation: does not match its schema");
        }

        string location = first.InstanceLocation.ToString();
        JsonElement? value = first.InstanceLocation.Evaluate(instance);
        string shown = value is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Array) } scalar ? $" (value {OneLine.Quote(scalar.GetRawText())})" : "";
        throw new FixtureFormatException(path, id, $"schema violation at '{(location.Length == 0 ? "/" : location)}'{shown}: {first.Errors!.First().Value}");
    }

    private static bool InAlternative(EvaluationResults result)
    {
        string path = result.EvaluationPath.ToString();
        return path.Contains("/oneOf/", StringComparison.Ordinal) || path.Contains("/anyOf/", StringComparison.Ordinal) || path.Contains("/if", StringComparison.Ordinal);
    }
}
