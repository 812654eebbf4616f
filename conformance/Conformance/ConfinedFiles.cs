using System.Globalization;

namespace BatchNormAxis.Conformance;

/// <summary>
/// Reads the files of a fixture folder without ever leaving it: a path written in the manifest must be relative,
/// with forward slashes and no <c>.</c> or <c>..</c> segment; every folder on the way must be a real folder (not a
/// symbolic link pointing out) and the file a regular file (not a symbolic link, FIFO, device or socket) no larger
/// than its limit. All of this is checked with <see cref="FileNodes"/>, before anything is opened, so a FIFO cannot
/// block the reader and a huge file is refused, not read. A file swapped for another between the check and the read
/// is not defended against: whoever can write the folder while it is read can also change it afterwards.
/// </summary>
internal static class ConfinedFiles
{
    /// <summary>What is wrong with a relative path as written in the manifest, or null when it stays inside the folder.</summary>
    /// <param name="relativePath">The path.</param>
    /// <returns>The problem, or null.</returns>
    public static string? PathProblem(string relativePath)
    {
        if (relativePath.Length == 0)
        {
            return "the path is empty: expected a path such as cases/keep/<id>.json";
        }

        if (relativePath.Contains('\\', StringComparison.Ordinal))
        {
            return $"the path {OneLine.Quote(relativePath)} holds a backslash: expected a relative path with forward slashes inside the fixture folder";
        }

        if (relativePath.StartsWith('/') || Path.IsPathRooted(relativePath) || relativePath.Contains(':', StringComparison.Ordinal))
        {
            return $"the path {OneLine.Quote(relativePath)} is absolute: expected a relative path inside the fixture folder";
        }

        string[] segments = relativePath.Split('/');
        return segments.Contains("..") ? $"the path {OneLine.Quote(relativePath)} climbs out with '..': expected a path that stays inside the fixture folder"
            : segments.Any(segment => segment is "" or ".") ? $"the path {OneLine.Quote(relativePath)} has an empty or '.' segment: expected a plain path such as cases/keep/<id>.json"
            : relativePath.Any(char.IsControl) ? $"the path {OneLine.Quote(relativePath)} holds a control character: expected a plain path such as cases/keep/<id>.json"
            : null;
    }

    /// <summary>
    /// Reads <paramref name="relativePath"/> inside <paramref name="root"/> after checking the path, every folder on
    /// the way, the file's type and its size.
    /// </summary>
    /// <param name="root">The fixture folder (the user named it, so it may itself be a symbolic link).</param>
    /// <param name="relativePath">The file inside it, with forward slashes.</param>
    /// <param name="maxBytes">The largest size read.</param>
    /// <param name="caseId">The case, for messages.</param>
    /// <param name="missing">The problem to report when the file does not exist.</param>
    /// <returns>The file's bytes.</returns>
    /// <exception cref="FixtureFormatException">The path or the file breaks a rule, or the file cannot be read.</exception>
    public static byte[] Read(string root, string relativePath, long maxBytes, string? caseId, string missing)
    {
        long size = CheckRegularFile(root, relativePath, caseId, missing);
        if (size > maxBytes)
        {
            throw new FixtureFormatException(relativePath, caseId, string.Create(CultureInfo.InvariantCulture, $"the file is {size} bytes: expected at most {maxBytes} (docs/fixtures.md, \"Limits\"); it was not read"));
        }

        try
        {
            using var handle = File.OpenHandle(Path.Combine(root, relativePath), FileMode.Open, FileAccess.Read, FileShare.Read);

            // One byte more than allowed tells a file that grew since it was examined from one that did not.
            byte[] buffer = new byte[Math.Min(size, maxBytes) + 1];
            int total = 0;
            int read;
            while (total < buffer.Length && (read = RandomAccess.Read(handle, buffer.AsSpan(total), total)) > 0)
            {
                total += read;
            }

            return total <= maxBytes
                ? buffer[..total]
                : throw new FixtureFormatException(relativePath, caseId, string.Create(CultureInfo.InvariantCulture, $"the file grew past {maxBytes} bytes while it was read: expected a fixture folder nobody is writing to"));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new FixtureFormatException(relativePath, caseId, $"cannot be read ({exception.Message})");
        }
    }

    /// <summary>Checks what <see cref="Read"/> checks before reading, and returns the file's size.</summary>
    /// <param name="root">The fixture folder.</param>
    /// <param name="relativePath">The file inside it.</param>
    /// <param name="caseId">The case, for messages.</param>
    /// <param name="missing">The problem to report when the file does not exist.</param>
    /// <returns>The size in bytes.</returns>
    /// <exception cref="FixtureFormatException">The path or the file breaks a rule.</exception>
    public static long CheckRegularFile(string root, string relativePath, string? caseId, string missing)
    {
        if (PathProblem(relativePath) is { } problem)
        {
            throw new FixtureFormatException(relativePath, caseId, problem);
        }

        string[] segments = relativePath.Split('/');
        string current = root;
        for (int i = 0; i < segments.Length; i++)
        {
            current = Path.Combine(current, segments[i]);
            (FileNodeType type, long size) = Probe(current, relativePath, caseId);
            bool last = i == segments.Length - 1;
            if (type == FileNodeType.Missing)
            {
                throw new FixtureFormatException(relativePath, caseId, missing);
            }

            if (!last && type != FileNodeType.Directory)
            {
                string folder = string.Join('/', segments[..(i + 1)]);
                throw new FixtureFormatException(relativePath, caseId, $"its folder {folder} is {Describe(type, current)}: expected a real folder inside the fixture folder");
            }

            if (last)
            {
                return type == FileNodeType.RegularFile
                    ? size
                    : throw new FixtureFormatException(relativePath, caseId, $"the file is {Describe(type, current)}: expected a regular file inside the fixture folder");
            }
        }

        throw new FixtureFormatException(relativePath, caseId, missing);
    }

    /// <summary>A node's type in words, with a symbolic link's target.</summary>
    /// <param name="type">The type.</param>
    /// <param name="fullPath">The node, to read a link's target.</param>
    /// <returns>E.g. "a FIFO (named pipe)" or "a symbolic link to '/etc/passwd'".</returns>
    public static string Describe(FileNodeType type, string fullPath) =>
        type == FileNodeType.SymbolicLink ? $"a symbolic link to {OneLine.Quote(LinkTarget(fullPath))}" : FileNodes.Describe(type);

    /// <summary>Probes a node, turning an error into a one-line problem about <paramref name="relativePath"/>.</summary>
    /// <param name="fullPath">The node.</param>
    /// <param name="relativePath">The file the problem is about.</param>
    /// <param name="caseId">The case, for messages.</param>
    /// <returns>The node's type and size.</returns>
    /// <exception cref="FixtureFormatException">The node cannot be examined.</exception>
    public static (FileNodeType Type, long Size) Probe(string fullPath, string relativePath, string? caseId)
    {
        try
        {
            return FileNodes.Probe(fullPath);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new FixtureFormatException(relativePath, caseId, exception.Message);
        }
    }

    private static string LinkTarget(string fullPath)
    {
        try
        {
            return new FileInfo(fullPath).LinkTarget ?? "?";
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }
}
