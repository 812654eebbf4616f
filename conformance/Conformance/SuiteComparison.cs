using System.Globalization;

namespace BatchNormAxis.Conformance;

/// <summary>
/// Names how a fixture folder differs from the official suite: its manifest against the official manifest embedded
/// in this tool (fields, and cases missing, added or changed), and its <c>schema/</c> files against the built-in
/// schemas. A changed case whose sha256 was updated shows here as a changed sha256: the official manifest pins it.
/// </summary>
internal static class SuiteComparison
{
    /// <summary>Every difference between a manifest and the official one it is compared with.</summary>
    /// <param name="manifest">The folder's manifest.</param>
    /// <param name="declaredCaseCount">The folder's case_count.</param>
    /// <param name="official">The official version, manifest and case_count.</param>
    /// <returns>The differences; empty when the manifests hold the same fields and cases (in another byte layout).</returns>
    public static List<FixtureDifference> CompareManifests(FixtureManifest manifest, long declaredCaseCount, (string Version, FixtureManifest Manifest, long DeclaredCaseCount) official)
    {
        string suite = $"official suite {official.Version}";
        const string File = FixtureFormat.ManifestFileName;
        var differences = new List<FixtureDifference>();
        void Field(string name, string actual, string expected)
        {
            if (actual != expected)
            {
                differences.Add(new FixtureDifference(File, null, $"{name} is {OneLine.Quote(actual)} but {suite} says {OneLine.Quote(expected)}"));
            }
        }

        Field("format_version", manifest.FormatVersion, official.Manifest.FormatVersion);
        Field("suite_version", manifest.SuiteVersion, official.Manifest.SuiteVersion);
        foreach (string key in manifest.Generator.Keys.Union(official.Manifest.Generator.Keys).Order(StringComparer.Ordinal))
        {
            Field($"generator.{key}", manifest.Generator.GetValueOrDefault(key, "(absent)"), official.Manifest.Generator.GetValueOrDefault(key, "(absent)"));
        }

        Field("case_count", declaredCaseCount.ToString(CultureInfo.InvariantCulture), official.DeclaredCaseCount.ToString(CultureInfo.InvariantCulture));

        var officialById = official.Manifest.Cases.ToDictionary(e => e.Id, StringComparer.Ordinal);
        var ids = manifest.Cases.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        foreach (ManifestEntry entry in manifest.Cases)
        {
            if (!officialById.TryGetValue(entry.Id, out ManifestEntry? expected))
            {
                differences.Add(new FixtureDifference(entry.Path, entry.Id, $"an extra case: {suite} has no case with this id"));
            }
            else if (ChangedFields(entry, expected) is { Count: > 0 } changes)
            {
                differences.Add(new FixtureDifference(entry.Path, entry.Id, $"a changed case: {string.Join("; ", changes)} (compared with {suite})"));
            }
        }

        foreach (ManifestEntry expected in official.Manifest.Cases.Where(e => !ids.Contains(e.Id)))
        {
            differences.Add(new FixtureDifference(expected.Path, expected.Id, $"a missing case: {suite} lists it, this manifest does not"));
        }

        if (differences.Count == 0)
        {
            differences.Add(new FixtureDifference(File, null, $"the same fields and cases as {suite}, but not the same bytes (reordered, reformatted or re-encoded)"));
        }

        return differences;
    }

    /// <summary>Every <c>schema/</c> file of the folder that is not byte for byte the built-in schema of its name.</summary>
    /// <param name="directory">The fixture folder.</param>
    /// <returns>The differences (the built-in schemas are used regardless).</returns>
    public static List<FixtureDifference> CompareSchemaFiles(string directory)
    {
        var differences = new List<FixtureDifference>();
        foreach ((string fileName, _) in FixtureSchemas.All)
        {
            string relative = $"{FixtureFormat.SchemaFolder}/{fileName}";
            string? problem;
            try
            {
                byte[] bytes = ConfinedFiles.Read(directory, relative, FixtureLimits.MaxSchemaFileBytes, null, "missing");
                problem = bytes.AsSpan().SequenceEqual(FixtureSchemas.FileBytes(fileName)) ? null : $"differs from the built-in schema of format {FixtureFormat.Version}";
            }
            catch (FixtureFormatException exception)
            {
                problem = exception.Problem;
            }

            if (problem is not null)
            {
                differences.Add(new FixtureDifference(relative, null, $"{problem} (ignored: the built-in schema is used)"));
            }
        }

        return differences;
    }

    private static List<string> ChangedFields(ManifestEntry actual, ManifestEntry expected)
    {
        var changes = new List<string>();
        void Field(string name, string actualText, string expectedText)
        {
            if (actualText != expectedText)
            {
                changes.Add($"{name} is {OneLine.Quote(actualText)} instead of {OneLine.Quote(expectedText)}");
            }
        }

        Field("path", actual.Path, expected.Path);
        if (actual.Sha256 != expected.Sha256)
        {
            changes.Add($"sha256 is {actual.Sha256} instead of {expected.Sha256} (the case file is not the official one)");
        }

        Field("kind", FixtureJsonWriter.KindName(actual.Kind), FixtureJsonWriter.KindName(expected.Kind));
        Field("mode", actual.Mode, expected.Mode);
        Field("dtype", DTypes.Name(actual.DType), DTypes.Name(expected.DType));
        Field("shape", ShapeText.List(actual.Shape.AsSpan()), ShapeText.List(expected.Shape.AsSpan()));
        Field("axis", actual.Axis.ToString(), expected.Axis.ToString());
        Field("kept_axes", KeptText(actual.KeptAxes), KeptText(expected.KeptAxes));
        Field("capabilities", string.Join(", ", actual.Capabilities), string.Join(", ", expected.Capabilities));
        Field("error", actual.ExpectedError ?? "(none)", expected.ExpectedError ?? "(none)");
        return changes;
    }

    private static string KeptText(System.Collections.Immutable.ImmutableArray<int>? kept) => kept is { } axes ? ShapeText.List(axes.AsSpan()) : "null";
}
