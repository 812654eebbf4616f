using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;

namespace BatchNormAxis.Conformance;

/// <summary>
/// A fixture folder, checked before anything in it is trusted: the manifest and every case file against the schemas
/// built into this tool (never the folder's own), every case file against its SHA-256 in the manifest and for
/// internal consistency, every path confined to the folder and naming a regular file within
/// <see cref="FixtureLimits"/>, <c>case_count</c> against the entries. <see cref="Provenance"/> says whether the
/// manifest is an official suite's; <see cref="DifferencesFromOfficial"/> names what a modified folder changed.
/// </summary>
public sealed class FixtureSet
{
    private readonly ImmutableDictionary<string, ManifestEntry> _entries;
    private readonly string _directory;
    private readonly long _declaredCaseCount;

    private FixtureSet(string directory, FixtureManifest manifest, long declaredCaseCount, FixtureProvenance provenance)
    {
        _directory = directory;
        _declaredCaseCount = declaredCaseCount;
        Manifest = manifest;
        Provenance = provenance;
        _entries = manifest.Cases.ToImmutableDictionary(e => e.Id, StringComparer.Ordinal);
    }

    /// <summary>The manifest, valid against the built-in manifest schema.</summary>
    public FixtureManifest Manifest { get; }

    /// <summary>The manifest's hash, and whether it is an official suite this tool ships.</summary>
    public FixtureProvenance Provenance { get; }

    /// <summary>The fixture directory.</summary>
    public string Directory => _directory;

    /// <summary>
    /// Opens a fixture directory and checks its manifest (not yet the cases; see <see cref="VerifyAll"/>, which a
    /// run calls before its first case, and <see cref="ReadCase"/>).
    /// </summary>
    /// <param name="directory">The fixture directory, holding <c>manifest.json</c>.</param>
    /// <returns>The set.</returns>
    /// <exception cref="FixtureFormatException">
    /// The manifest is missing, not a regular file (a symbolic link, a FIFO, a device), larger than
    /// <see cref="FixtureLimits.MaxManifestBytes"/>, not valid JSON, against the built-in manifest schema, or lists a
    /// case twice. Nothing else is thrown, and nothing blocks.
    /// </exception>
    public static FixtureSet Open(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        byte[] manifestBytes = ConfinedFiles.Read(
            directory,
            FixtureFormat.ManifestFileName,
            FixtureLimits.MaxManifestBytes,
            null,
            "not found: expected a fixture directory holding manifest.json (see fixtures/README.md)");
        (FixtureManifest manifest, long declaredCaseCount) = FixtureManifestJson.Parse(manifestBytes);
        string? duplicate = manifest.Cases.GroupBy(e => e.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (duplicate is not null)
        {
            throw new FixtureFormatException(FixtureFormat.ManifestFileName, duplicate, "the id is listed more than once: expected unique ids");
        }

        return new FixtureSet(directory, manifest, declaredCaseCount, OfficialSuites.Identify(manifestBytes));
    }

    /// <summary>Reads one case, checking its path, file type, size, hash, schema and consistency with its manifest entry.</summary>
    /// <param name="id">The case id.</param>
    /// <returns>The case.</returns>
    /// <exception cref="FixtureFormatException">The file is missing, outside the folder, not a regular file, too large, altered, or invalid.</exception>
    /// <exception cref="KeyNotFoundException">No case has that id.</exception>
    public FixtureCase ReadCase(string id) => ReadCaseWithBytes(id).Case;

    /// <summary>Reads one case like <see cref="ReadCase"/>, also returning the verified bytes of its file.</summary>
    /// <param name="id">The case id.</param>
    /// <returns>The case and its file's bytes.</returns>
    /// <exception cref="FixtureFormatException">The file is missing, outside the folder, not a regular file, too large, altered, or invalid.</exception>
    /// <exception cref="KeyNotFoundException">No case has that id.</exception>
    public (FixtureCase Case, byte[] Bytes) ReadCaseWithBytes(string id)
    {
        if (!_entries.TryGetValue(id, out ManifestEntry? entry))
        {
            throw new KeyNotFoundException($"no case '{id}' in {Path.Combine(_directory, FixtureFormat.ManifestFileName)}");
        }

        byte[] bytes = ConfinedFiles.Read(_directory, entry.Path, FixtureLimits.MaxCaseFileBytes, id, "listed in the manifest but not found");
        string actualHash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (actualHash != entry.Sha256)
        {
            throw new FixtureFormatException(entry.Path, id, $"SHA-256 is {actualHash} but the manifest says {entry.Sha256}: the file was changed, truncated or corrupted after generation");
        }

        using (JsonDocument document = FixtureJsonReader.Parse(bytes, entry.Path, id))
        {
            BuiltInSchemas.Validate(FixtureSchemas.FileNameFor(entry.Kind), document.RootElement, entry.Path, id);
        }

        FixtureCase fixture = FixtureJsonReader.Read(bytes, entry.Path);
        if (fixture.Id != entry.Id || fixture.Kind != entry.Kind || fixture.DType != entry.DType || !fixture.Shape.SequenceEqual(entry.Shape) || !fixture.Axis.Equals(entry.Axis))
        {
            throw new FixtureFormatException(entry.Path, id, "the case disagrees with its manifest entry (id, kind, dtype, shape or axis)");
        }

        return (fixture, bytes);
    }

    /// <summary>
    /// Checks the whole folder: <c>case_count</c> against the entries, every case as <see cref="ReadCase"/> does, and
    /// that <c>cases/</c> holds nothing the manifest does not list. Returns every problem found, one line each (empty
    /// when the folder is intact). Never throws and never blocks, whatever the folder holds; a run calls it before its
    /// first case and refuses to start on any problem. Whether the suite is the official one is a separate question:
    /// see <see cref="Provenance"/> and <see cref="DifferencesFromOfficial"/>.
    /// </summary>
    /// <param name="progress">Called after each case with the number checked so far.</param>
    /// <returns>The problems.</returns>
    public IReadOnlyList<FixtureFormatException> VerifyAll(Action<int>? progress = null)
    {
        var problems = new List<FixtureFormatException>();
        if (_declaredCaseCount != Manifest.Cases.Length)
        {
            problems.Add(new FixtureFormatException(FixtureFormat.ManifestFileName, null, $"case_count is {_declaredCaseCount} but {Manifest.Cases.Length} cases are listed: expected the number of entries (a case was added or removed by hand)"));
        }

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

        problems.AddRange(new UnlistedFiles(_directory, Manifest.Cases.Select(e => e.Path)).Find());
        return problems;
    }

    /// <summary>
    /// What makes this folder differ from the official suite: when the manifest is not an official one, every field
    /// and case that differs from the official manifest of the same suite_version (else the newest) embedded in this
    /// tool; and any <c>schema/</c> file unlike the built-in schema (which is used regardless). Empty for an
    /// unmodified official suite. Never throws.
    /// </summary>
    /// <returns>The differences, one line each.</returns>
    public IReadOnlyList<FixtureDifference> DifferencesFromOfficial()
    {
        var differences = new List<FixtureDifference>();
        if (!Provenance.IsOfficial)
        {
            if (OfficialSuites.ReferenceFor(Manifest.SuiteVersion) is { } official)
            {
                differences.AddRange(SuiteComparison.CompareManifests(Manifest, _declaredCaseCount, official));
            }
            else
            {
                differences.Add(new FixtureDifference(FixtureFormat.ManifestFileName, null, "the SHA-256 matches no official suite, and this tool carries no official manifest to compare with"));
            }
        }

        differences.AddRange(SuiteComparison.CompareSchemaFiles(_directory));
        return differences;
    }
}
