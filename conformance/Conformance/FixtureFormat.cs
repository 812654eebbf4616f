namespace BatchNormAxis.Conformance;

/// <summary>Version and layout constants of the fixture format (fixtures/CHANGES.md).</summary>
public static class FixtureFormat
{
    /// <summary>The format version written into every case and the manifest (SemVer).</summary>
    public const string Version = "1.0.0";

    /// <summary>The manifest's file name in the fixture directory.</summary>
    public const string ManifestFileName = "manifest.json";

    /// <summary>The folder of the JSON Schemas in the fixture directory.</summary>
    public const string SchemaFolder = "schema";

    /// <summary>Tensors with at most this many elements also carry readable decimal <c>values</c>.</summary>
    public const int ReadableValuesLimit = 32;
}
