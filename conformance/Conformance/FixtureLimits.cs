namespace BatchNormAxis.Conformance;

/// <summary>
/// The bounds every fixture file and every case (from a file or a <c>serve</c> run message) must respect, so a hostile
/// one is refused with one line instead of exhausting memory or time. Each leaves a wide margin over suite 0.1.0,
/// whose largest case file is 109 kB, manifest 166 kB, rank 5 and tensor 720 elements (docs/fixtures.md).
/// </summary>
public static class FixtureLimits
{
    /// <summary>The largest <c>manifest.json</c> read, in bytes (16 MiB, about 100 times the 0.1.0 manifest).</summary>
    public const long MaxManifestBytes = 16L << 20;

    /// <summary>The largest case file read, in bytes (16 MiB, about 150 times the largest 0.1.0 case).</summary>
    public const long MaxCaseFileBytes = 16L << 20;

    /// <summary>The largest schema file compared with its built-in one, in bytes; a larger one simply differs.</summary>
    public const long MaxSchemaFileBytes = 1L << 20;

    /// <summary>The largest rank of a shape, and the longest axis list: the library's <see cref="AxisResolution.MaxRank"/>.</summary>
    public const int MaxRank = AxisResolution.MaxRank;

    /// <summary>The most elements a tensor, or a case's shape, may have (2^24 = 16,777,216, 128 MiB as float64).</summary>
    public const int MaxElements = 1 << 24;

    /// <summary>How deep the folders under <c>cases/</c> may nest when looking for unlisted files.</summary>
    public const int MaxFolderDepth = 16;
}
