using System.IO.Compression;
using System.Security.Cryptography;
using BatchNormAxis.Conformance;

namespace BatchNormAxis.Cli;

/// <summary>
/// The fixtures the native binary carries (docs/cli.md, "The native binary"): fixtures/ zipped into one resource at
/// publish time, unpacked on first use into a per-user cache folder named by the zip's SHA-256, which later runs
/// reuse. Being there earns the files no trust: a run checks every case's hash against the manifest, and the manifest
/// against the official suites, before its first case. The rest of bnaxis keeps reading a plain folder, so the
/// native binary runs the same checks on the same files as the .NET tool.
/// </summary>
internal static class EmbeddedFixtures
{
    /// <summary>The resource's name (conformance/Cli/BatchNormAxis.Cli.csproj embeds it when publishing native).</summary>
    public const string ResourceName = "fixtures.zip";

    /// <summary>Unpacks the built-in fixtures if this binary carries them (the .NET tool does not: it ships the folder).</summary>
    /// <returns>The unpacked fixture directory, or null when there are no built-in fixtures.</returns>
    public static string? Unpack()
    {
        using Stream? zip = typeof(EmbeddedFixtures).Assembly.GetManifestResourceStream(ResourceName);
        return zip is null ? null : Unpack(zip, CacheRoot(Environment.GetEnvironmentVariable));
    }

    /// <summary>
    /// Unpacks a fixtures zip into <c>fixtures-HASH</c> under <paramref name="cacheRoot"/>, unless a folder of that name
    /// with a manifest is there already. The zip is unpacked beside it under a unique name and renamed into place, so a
    /// folder of that name is complete, also when two bnaxis processes unpack at once.
    /// </summary>
    /// <exception cref="CommandLineValueException">The cache folder cannot be written.</exception>
    public static string Unpack(Stream zip, string cacheRoot)
    {
        ArgumentNullException.ThrowIfNull(zip);
        zip.Position = 0;
        string hash = Convert.ToHexStringLower(SHA256.HashData(zip))[..16];
        string target = Path.Combine(cacheRoot, $"fixtures-{hash}");
        if (HasManifest(target))
        {
            return target;
        }

        string staging = Path.Combine(cacheRoot, $".fixtures-{hash}-{Guid.NewGuid():N}");
        try
        {
            zip.Position = 0;
            Directory.CreateDirectory(cacheRoot);
            ZipFile.ExtractToDirectory(zip, staging);
            Directory.Move(staging, target);
            return target;
        }
        catch (IOException) when (HasManifest(target))
        {
            return target; // another bnaxis renamed the same fixtures into place first
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new CommandLineValueException($"cannot unpack the built-in fixtures into '{cacheRoot}': {exception.Message} (set XDG_CACHE_HOME to a writable folder, or pass --fixtures DIR)");
        }
        finally
        {
            DeleteQuietly(staging);
        }
    }

    /// <summary>
    /// The per-user cache folder for bnaxis: <c>$XDG_CACHE_HOME/bnaxis</c> when that is an absolute path (the XDG base
    /// directory rule), else the platform's cache folder (~/.cache, ~/Library/Caches, %LOCALAPPDATA%), else the temp folder.
    /// </summary>
    /// <param name="environment">Reads an environment variable (a parameter, so tests need not change the process's).</param>
    public static string CacheRoot(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? xdg = environment("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathFullyQualified(xdg))
        {
            return Path.Combine(xdg, "bnaxis");
        }

        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string cache = OperatingSystem.IsWindows() ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
            : home.Length == 0 ? ""
            : OperatingSystem.IsMacOS() ? Path.Combine(home, "Library", "Caches")
            : Path.Combine(home, ".cache");
        return Path.Combine(cache.Length == 0 ? Path.GetTempPath() : cache, "bnaxis");
    }

    private static bool HasManifest(string directory) => File.Exists(Path.Combine(directory, FixtureFormat.ManifestFileName));

    private static void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A leftover staging folder is harmless: its name is unique and never read.
        }
    }
}
