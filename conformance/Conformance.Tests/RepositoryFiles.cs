using System.Text.Json;
using Json.Schema;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>Files of the repository (found above the test's output directory by Conformance.sln) for tests that read docs and schemas.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = Find();

    public static string ProtocolDirectory => Path.Combine(Root, "conformance", "protocol");

    public static string Text(params string[] parts) => File.ReadAllText(Path.Combine([Root, .. parts])).ReplaceLineEndings("\n");

    /// <summary>A protocol schema, with tensor.schema.json registered for the ones that refer to it.</summary>
    public static JsonSchema ProtocolSchema(string file)
    {
        var registry = new SchemaRegistry();
        JsonSchema.FromText(File.ReadAllText(Path.Combine(ProtocolDirectory, "tensor.schema.json")), new BuildOptions { SchemaRegistry = registry });
        return JsonSchema.FromText(File.ReadAllText(Path.Combine(ProtocolDirectory, file)), new BuildOptions { SchemaRegistry = registry });
    }

    /// <summary>Why a JSON text does not validate against a schema; empty when it does.</summary>
    public static string Problems(JsonSchema schema, string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        EvaluationResults results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return results.IsValid
            ? ""
            : string.Join("; ", (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
    }

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Conformance.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Conformance.sln not found above the test directory");
    }
}
