using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using Json.Schema;

namespace BatchNormAxis.Conformance;

/// <summary>
/// A fixture directory, verified: the manifest against its schema, every case file against its SHA-256 in the
/// manifest and its kind's schema, and every case for internal consistency. Nothing is trusted before it is checked.
/// </summary>
public sealed class FixtureSet
{
    private readonly ImmutableDictionary<string, ManifestEntry> _entries;
    private readonly string _directory;

    private FixtureSet(string directory, FixtureManifest manifest, FixtureProvenance provenance)
    {
        _directory = directory;
        Manifest = manifest;
        Provenance = provenance;
        _entries = manifest.Cases.ToImmutableDictionary(e => e.Id, StringComparer.Ordinal);
    }

    /// <summary>The verified manifest.</summary>
    public FixtureManifest Manifest { get; }

    /// <summary>The manifest's hash, and whether it is an official suite this tool ships.</summary>
    public FixtureProvenance Provenance { get; }

    /// <summary>The fixture directory.</summary>
    public string Directory => _directory;

    /// <summary>Opens a fixture directory and verifies its manifest (not yet the cases; see <see cref="ReadCase"/> and <see cref="VerifyAll"/>).</summary>
    /// <param name="directory">The fixture directory, holding <c>manifest.json</c> and <c>schema/</c>.</param>
    /// <returns>The set.</returns>
    /// <exception cref="FixtureFormatException">The manifest is missing, invalid, or lists a case twice.</exception>
    public static FixtureSet Open(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string manifestPath = Path.Combine(directory, FixtureFormat.ManifestFileName);
        if (!File.Exists(manifestPath))
        {
            throw new FixtureFormatException(manifestPath, null, "not found: expected a fixture directory holding manifest.json (see fixtures/README.md)");
        }

        byte[] manifestBytes = File.ReadAllBytes(manifestPath);
        using JsonDocument document = ParseJson(manifestBytes, FixtureFormat.ManifestFileName, null);
        Validate(LoadSchema(directory, "manifest.schema.json"), document.RootElement, FixtureFormat.ManifestFileName, null);
        FixtureManifest manifest = FixtureManifestJson.Read(document.RootElement);
        string? duplicate = manifest.Cases.GroupBy(e => e.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (duplicate is not null)
        {
            throw new FixtureFormatException(FixtureFormat.ManifestFileName, duplicate, "the id is listed more than once: expected unique ids");
        }

        return new FixtureSet(directory, manifest, OfficialSuites.Identify(manifestBytes));
    }

    /// <summary>Reads one case, checking its hash, schema and consistency with its manifest entry.</summary>
    /// <param name="id">The case id.</param>
    /// <returns>The case.</returns>
    /// <exception cref="FixtureFormatException">The file is missing, altered, or invalid.</exception>
    /// <exception cref="KeyNotFoundException">No case has that id.</exception>
    public FixtureCase ReadCase(string id) => ReadCaseWithBytes(id).Case;

    /// <summary>Reads one case like <see cref="ReadCase"/>, also returning the verified bytes of its file.</summary>
    /// <param name="id">The case id.</param>
    /// <returns>The case and its file's bytes.</returns>
    /// <exception cref="FixtureFormatException">The file is missing, altered, or invalid.</exception>
    /// <exception cref="KeyNotFoundException">No case has that id.</exception>
    public (FixtureCase Case, byte[] Bytes) ReadCaseWithBytes(string id)
    {
        if (!_entries.TryGetValue(id, out ManifestEntry? entry))
        {
            throw new KeyNotFoundException($"no case '{id}' in {Path.Combine(_directory, FixtureFormat.ManifestFileName)}");
        }

        string fullPath = Path.Combine(_directory, entry.Path);
        if (!File.Exists(fullPath))
        {
            throw new FixtureFormatException(entry.Path, id, "listed in the manifest but not found");
        }

        byte[] bytes = File.ReadAllBytes(fullPath);
        string actualHash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (actualHash != entry.Sha256)
        {
            throw new FixtureFormatException(entry.Path, id, $"SHA-256 is {actualHash} but the manifest says {entry.Sha256}: the file was changed, truncated or corrupted after generation");
        }

        using (JsonDocument document = ParseJson(bytes, entry.Path, id))
        {
            Validate(LoadSchema(_directory, FixtureSchemas.FileNameFor(entry.Kind)), document.RootElement, entry.Path, id);
        }

        FixtureCase fixture = FixtureJsonReader.Read(bytes, entry.Path);
        if (fixture.Id != entry.Id || fixture.Kind != entry.Kind || fixture.DType != entry.DType || !fixture.Shape.SequenceEqual(entry.Shape) || !fixture.Axis.Equals(entry.Axis))
        {
            throw new FixtureFormatException(entry.Path, id, "the case disagrees with its manifest entry (id, kind, dtype, shape or axis)");
        }

        return (fixture, bytes);
    }

    /// <summary>Checks every case; returns every problem found, one line each (empty when all is well).</summary>
    /// <param name="progress">Called after each case with the number checked so far.</param>
    /// <returns>The problems.</returns>
    public IReadOnlyList<FixtureFormatException> VerifyAll(Action<int>? progress = null)
    {
        var problems = new List<FixtureFormatException>();
        int checkedCount = 0;
        foreach (ManifestEntry entry in Manifest.Cases)
        {
            try
            {
                ReadCase(entry.Id);
            }
            catch (FixtureFormatException problem)
            {
                problems.Add(problem);
            }

            progress?.Invoke(++checkedCount);
        }

        // A case file nobody lists is either stale or slipped in by hand: both deserve a line.
        string casesDirectory = Path.Combine(_directory, "cases");
        if (System.IO.Directory.Exists(casesDirectory))
        {
            var listed = Manifest.Cases.Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
            foreach (string file in System.IO.Directory.EnumerateFiles(casesDirectory, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                string relative = Path.GetRelativePath(_directory, file).Replace('\\', '/');
                if (!listed.Contains(relative))
                {
                    problems.Add(new FixtureFormatException(relative, null, "not listed in the manifest: expected every case file to be listed"));
                }
            }
        }

        return problems;
    }

    private static JsonDocument ParseJson(byte[] bytes, string path, string? id)
    {
        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException exception)
        {
            throw new FixtureFormatException(path, id, $"not valid JSON ({exception.Message})");
        }
    }

    private static JsonSchema LoadSchema(string directory, string fileName)
    {
        string path = Path.Combine(directory, FixtureFormat.SchemaFolder, fileName);
        if (!File.Exists(path))
        {
            throw new FixtureFormatException($"{FixtureFormat.SchemaFolder}/{fileName}", null, "schema not found: expected the fixture directory's schema/ folder");
        }

        return s_schemas.GetOrAdd(path, p =>
        {
            try
            {
                return JsonSchema.FromText(File.ReadAllText(p), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            }
            catch (Exception exception) when (exception is JsonException or JsonSchemaException)
            {
                throw new FixtureFormatException($"{FixtureFormat.SchemaFolder}/{fileName}", null, $"not a valid JSON Schema ({exception.Message})");
            }
        });
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, JsonSchema> s_schemas = new();

    private static void Validate(JsonSchema schema, JsonElement instance, string path, string? id)
    {
        EvaluationResults results = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return;
        }

        (string location, string message) = (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .Select(d => (d.InstanceLocation.ToString(), d.Errors!.First().Value))
            .FirstOrDefault(("", "does not match its schema"));
        throw new FixtureFormatException(path, id, $"schema violation at '{(location.Length == 0 ? "/" : location)}': {message}");
    }
}
