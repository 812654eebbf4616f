namespace BatchNormAxis.Conformance;

/// <summary>
/// Walks <c>cases/</c> for what the manifest does not list: a case file nobody lists is either stale or slipped in
/// by hand, and a symbolic link, FIFO, device or socket has no business there. The walk examines entries with
/// <see cref="FileNodes"/> (nothing is opened) and never follows a symbolic link.
/// </summary>
/// <param name="directory">The fixture folder.</param>
/// <param name="listedPaths">Every path the manifest lists.</param>
internal sealed class UnlistedFiles(string directory, IEnumerable<string> listedPaths)
{
    private const string CasesFolder = "cases";

    private readonly HashSet<string> _listed = listedPaths.ToHashSet(StringComparer.Ordinal);
    private readonly List<FixtureFormatException> _problems = [];

    /// <summary>Every unlisted case file and every entry under <c>cases/</c> that is neither a folder nor a regular file.</summary>
    /// <returns>The problems, in path order.</returns>
    public List<FixtureFormatException> Find()
    {
        // A missing or linked cases/ folder is already reported for every case listed under it.
        if (Probe(Path.Combine(directory, CasesFolder), CasesFolder) == FileNodeType.Directory)
        {
            Walk(CasesFolder, depth: 1);
        }

        return _problems;
    }

    private void Walk(string relativeFolder, int depth)
    {
        if (depth > FixtureLimits.MaxFolderDepth)
        {
            _problems.Add(new FixtureFormatException(relativeFolder, null, $"folders nest deeper than {FixtureLimits.MaxFolderDepth} levels: expected cases/<family>/<id>.json"));
            return;
        }

        string[] names;
        try
        {
            names = [.. System.IO.Directory.EnumerateFileSystemEntries(Path.Combine(directory, relativeFolder)).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            _problems.Add(new FixtureFormatException(relativeFolder, null, $"cannot be listed ({exception.Message})"));
            return;
        }

        foreach (string name in names)
        {
            string relative = $"{relativeFolder}/{name}";
            string full = Path.Combine(directory, relative);
            FileNodeType type = Probe(full, relative);
            if (type == FileNodeType.Directory)
            {
                Walk(relative, depth + 1);
            }
            else if (_listed.Contains(relative) || type == FileNodeType.Missing)
            {
                // Listed entries are checked (and reported) case by case; a vanished one needs no second line.
            }
            else if (type == FileNodeType.RegularFile)
            {
                if (relative.EndsWith(".json", StringComparison.Ordinal))
                {
                    _problems.Add(new FixtureFormatException(relative, null, "not listed in the manifest: expected every case file to be listed"));
                }
            }
            else if (!_listed.Any(p => p.StartsWith(relative + "/", StringComparison.Ordinal)))
            {
                _problems.Add(new FixtureFormatException(relative, null, $"is {ConfinedFiles.Describe(type, full)} and not listed in the manifest: expected only case files and folders under cases/"));
            }
        }
    }

    private FileNodeType Probe(string fullPath, string relativePath)
    {
        try
        {
            return ConfinedFiles.Probe(fullPath, relativePath, null).Type;
        }
        catch (FixtureFormatException problem)
        {
            _problems.Add(problem);
            return FileNodeType.Missing;
        }
    }
}
