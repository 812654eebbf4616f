using System.Collections.Immutable;
using System.Security.Cryptography;

namespace BatchNormAxis.FixtureGenerator;

/// <summary>
/// Every generated file as relative path and bytes: the schemas, one file per case, and the manifest. Generating
/// in memory first lets <c>--check</c> compare without writing, and a failed run leave nothing half-written.
/// </summary>
internal static class FixtureWriter
{
    public const string SuiteVersion = "0.4.0";

    public static SortedDictionary<string, byte[]> GenerateAll(PythonOracle oracle, IReadOnlyList<CaseSpec> specs, TextWriter progress)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach ((string fileName, _) in FixtureSchemas.All)
        {
            files[$"{FixtureFormat.SchemaFolder}/{fileName}"] = FixtureSchemas.FileBytes(fileName);
        }

        var builder = new CaseBuilder(oracle);
        var entries = ImmutableArray.CreateBuilder<ManifestEntry>();
        for (int i = 0; i < specs.Count; i++)
        {
            CaseSpec spec = specs[i];
            FixtureCase fixture = builder.Build(spec);
            byte[] bytes = FixtureJsonWriter.Write(fixture);
            files[spec.RelativePath] = bytes;
            entries.Add(new ManifestEntry(
                fixture.Id,
                spec.RelativePath,
                Convert.ToHexStringLower(SHA256.HashData(bytes)),
                fixture.Kind,
                fixture.Mode,
                fixture.DType,
                fixture.Shape,
                fixture.Axis,
                fixture.KeptAxes.IsEmpty && fixture.Kind == FixtureKind.Invalid ? null : fixture.KeptAxes,
                fixture.Capabilities,
                fixture.ExpectedError));
            if ((i + 1) % 50 == 0 || i + 1 == specs.Count)
            {
                progress.WriteLine($"  {i + 1}/{specs.Count} cases");
            }
        }

        progress.WriteLine("oracle agreement (NumPy float64 against 60-digit decimal), per family:");
        foreach (string line in builder.Agreement.Lines())
        {
            progress.WriteLine(line);
        }

        var generator = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
        {
            ["program"] = "scripts/FixtureGenerator",
            ["oracle"] = "scripts/FixtureGenerator/oracle/bn_oracle.py: NumPy float64, two-pass statistics",
            ["cross_check"] = "scripts/FixtureGenerator/oracle/bn_exact.py: Python decimal, 60 digits",
            ["tolerance_model"] = "docs/tolerance.md",
            ["numpy"] = oracle.Versions["numpy"],
            ["python"] = oracle.Versions["python"],
        });
        var manifest = new FixtureManifest(FixtureFormat.Version, SuiteVersion, generator, entries.ToImmutable());
        files[FixtureFormat.ManifestFileName] = FixtureManifestJson.Write(manifest);
        return files;
    }

    /// <summary>The generated paths a fixture directory holds now: what --overwrite replaces and --check compares.</summary>
    public static SortedSet<string> ExistingGeneratedFiles(string directory)
    {
        var existing = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string folder in new[] { "cases", FixtureFormat.SchemaFolder })
        {
            string path = Path.Combine(directory, folder);
            if (Directory.Exists(path))
            {
                foreach (string file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
                {
                    existing.Add(Path.GetRelativePath(directory, file).Replace('\\', '/'));
                }
            }
        }

        if (File.Exists(Path.Combine(directory, FixtureFormat.ManifestFileName)))
        {
            existing.Add(FixtureFormat.ManifestFileName);
        }

        return existing;
    }
}
