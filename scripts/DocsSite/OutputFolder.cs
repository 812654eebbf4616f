namespace BatchNormAxis.DocsSite;

/// <summary>
/// The site's output folder. A folder the builder wrote carries a marker file and is replaced on every build; any
/// other non-empty folder is refused unless the user passes <c>--overwrite</c>, so a mistyped <c>--output</c> cannot
/// delete someone's files.
/// </summary>
internal static class OutputFolder
{
    public const string MarkerName = ".docs-site-output";

    /// <summary>Throws if the folder may not be replaced: a file, the docs folder or one of its parents, or foreign content without <paramref name="overwrite"/>.</summary>
    public static void CheckReplaceable(string output, string docs, bool overwrite)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(output));
        string docsFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(docs));
        if (File.Exists(full))
        {
            throw new DocsSiteException($"--output '{output}' is a file: expected a folder for the site", isCommandLine: true);
        }

        if (IsSameOrInside(docsFull, full) || IsSameOrInside(full, docsFull))
        {
            throw new DocsSiteException($"--output '{output}' overlaps --docs '{docs}': expected a separate folder such as artifacts/site", isCommandLine: true);
        }

        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any()
            && !File.Exists(Path.Combine(full, MarkerName)) && !overwrite)
        {
            throw new DocsSiteException($"--output '{output}' is a non-empty folder that the site builder did not write (no {MarkerName}): pass --overwrite to replace its contents, or choose another folder", isCommandLine: true);
        }
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="folder"/> or below it (also for the file-system root).</summary>
    public static bool IsSameOrInside(string path, string folder)
    {
        string relative = Path.GetRelativePath(folder, path);
        return relative == "." || !(relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative));
    }

    /// <summary>Empties (or creates) the folder and marks it as site output.</summary>
    public static void Reset(string output)
    {
        DirectoryInfo folder = Directory.CreateDirectory(output);
        foreach (FileSystemInfo entry in folder.EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo directory)
            {
                directory.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }

        File.WriteAllText(Path.Combine(output, MarkerName), "Written by scripts/DocsSite: this folder is emptied and rebuilt on every build.\n");
    }
}
