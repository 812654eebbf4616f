namespace BatchNormAxis.Conformance;

/// <summary>Version and layout constants of the fixture format (fixtures/CHANGES.md).</summary>
public static class FixtureFormat
{
    /// <summary>The format version of the manifest and of the start message (SemVer): 1.1.0 added batch renormalization.</summary>
    public const string Version = "1.1.0";

    /// <summary>The format version that added batch renormalization (the <c>renorm</c> layer fields).</summary>
    public const string RenormVersion = "1.1.0";

    /// <summary>The first format version: a case that uses nothing added since says it, so a 1.0 reader still reads it.</summary>
    public const string FirstVersion = "1.0.0";

    /// <summary>The manifest's file name in the fixture directory.</summary>
    public const string ManifestFileName = "manifest.json";

    /// <summary>The folder of the JSON Schemas in the fixture directory.</summary>
    public const string SchemaFolder = "schema";

    /// <summary>
    /// The oldest format version that describes a case, written into its file: <see cref="RenormVersion"/> for a
    /// renormalizing layer, <see cref="FirstVersion"/> otherwise, so the cases of 1.0.0 stay byte
    /// for byte what they were.
    /// </summary>
    /// <param name="fixture">The case.</param>
    /// <returns>Its format version.</returns>
    public static string VersionOf(FixtureCase fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        return fixture.Options.Renorm is null ? FirstVersion : RenormVersion;
    }

    /// <summary>Tensors with at most this many elements also carry readable decimal <c>values</c>.</summary>
    public const int ReadableValuesLimit = 32;
}
