using System.Security.Cryptography;
using System.Text;
using BatchNormAxis.Conformance;

namespace BatchNormAxis.Cli;

/// <summary>
/// A report file named on the command line (<c>--json</c>, <c>--junit</c>, <c>--html</c>). It is checked before the
/// first case, so a bad path costs no result, and again when written. The write goes to a temporary file with an
/// unpredictable name created exclusively beside the report, then renamed over it: readers see the old report or the
/// new one, never half of one; a symbolic link, device, FIFO or socket is never replaced or written through (unless
/// the user asked to follow links, and then only to a regular file), and no temporary file outlives a failure.
/// </summary>
internal sealed class ReportDestination
{
    private const string Example = "expected a file name such as report.json";
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly bool _followSymlinks;

    private ReportDestination(string option, string given, string file, bool followSymlinks)
    {
        Option = option;
        Given = given;
        File = file;
        _followSymlinks = followSymlinks;
    }

    /// <summary>The option that named it, e.g. <c>--json</c>.</summary>
    public string Option { get; }

    /// <summary>The path as the user typed it.</summary>
    public string Given { get; }

    /// <summary>The full path written: the given path, or the file its symbolic link leads to when following links.</summary>
    public string File { get; }

    /// <summary>Checks a destination before the run: a regular file or nothing yet, in a folder where a file can be created.</summary>
    /// <exception cref="CommandLineValueException">It cannot be written; the message names the path and why.</exception>
    public static ReportDestination Check(string option, string given, bool followSymlinks)
    {
        (string? file, string? problem) = Resolve(given, followSymlinks);
        problem ??= ProbeFolder(file!);
        return problem is null
            ? new ReportDestination(option, given, file!, followSymlinks)
            : throw new CommandLineValueException($"{option} {CommandLineValues.Quoted(given)} {problem}");
    }

    /// <summary>Writes the report whole or not at all, checking the destination again first.</summary>
    /// <exception cref="IOException">The destination changed since the check, or the write failed; nothing was replaced.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder no longer lets a file be created or renamed.</exception>
    public void Write(string text)
    {
        (string? file, string? problem) = Resolve(Given, _followSymlinks);
        if (problem is null && file != File)
        {
            problem = $"now leads to {CommandLineValues.Quoted(file!)}, not to {CommandLineValues.Quoted(File)} as when the run started";
        }

        if (problem is not null)
        {
            throw new IOException($"{CommandLineValues.Quoted(Given)} {problem}");
        }

        (string temporary, FileStream stream) = CreateTemporary(File);
        try
        {
            using (stream)
            {
                stream.Write(s_utf8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }

            // Once more right before the rename: a link or device that appeared meanwhile is not replaced.
            FileNodeType kind = FileNodes.TypeOf(File);
            if (kind is not (FileNodeType.Missing or FileNodeType.RegularFile))
            {
                throw new IOException($"{CommandLineValues.Quoted(File)} became {FileNodes.Describe(kind)} while the report was written; it was not replaced");
            }

            System.IO.File.Move(temporary, File, overwrite: true);
        }
        catch
        {
            Delete(temporary);
            throw;
        }
    }

    /// <summary>The file to write for a given path, or what is wrong with it.</summary>
    private static (string? File, string? Problem) Resolve(string given, bool followSymlinks)
    {
        if (string.IsNullOrWhiteSpace(given))
        {
            return (null, $"is empty: {Example}");
        }

        if (Path.EndsInDirectorySeparator(given))
        {
            return (null, $"names a folder: {Example}");
        }

        string full;
        try
        {
            full = Path.GetFullPath(given);
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return (null, $"is not a usable path ({exception.Message}): {Example}");
        }

        FileNodeType kind = FileNodes.TypeOf(full);
        string which = "is";
        if (kind == FileNodeType.SymbolicLink)
        {
            if (!followSymlinks)
            {
                return (null, "is a symbolic link: expected a regular file (pass --follow-report-symlinks to write to the file it leads to)");
            }

            try
            {
                full = System.IO.File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
            }
            catch (IOException exception)
            {
                return (null, $"is a symbolic link that cannot be followed ({exception.Message})");
            }

            kind = FileNodes.TypeOf(full);
            which = $"leads to {CommandLineValues.Quoted(full)}, which is";
        }

        return kind switch
        {
            FileNodeType.Missing or FileNodeType.RegularFile => FolderProblem(full) is { } problem ? (null, problem) : (full, null),
            FileNodeType.Directory => (null, $"{which} a folder: {Example}"),
            _ => (null, $"{which} {FileNodes.Describe(kind)}, not a regular file: a report never replaces or writes into one (leave the option out to write no report)"),
        };
    }

    private static string? FolderProblem(string file)
    {
        string folder = Path.GetDirectoryName(file)!;
        return Directory.Exists(folder) ? null
            : System.IO.File.Exists(folder) ? $"cannot be written: {CommandLineValues.Quoted(folder)} is not a folder"
            : $"cannot be written: the folder {CommandLineValues.Quoted(folder)} does not exist";
    }

    /// <summary>Creates (and removes) a file where the report will go: the only honest test that the folder takes one.</summary>
    private static string? ProbeFolder(string file)
    {
        try
        {
            (string temporary, FileStream stream) = CreateTemporary(file);
            stream.Dispose();
            Delete(temporary);
            return null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return $"cannot be written: no file can be created in {CommandLineValues.Quoted(Path.GetDirectoryName(file)!)} ({CommandLineValues.Escape(exception.Message)})";
        }
    }

    /// <summary>A new file beside <paramref name="file"/>, with a random name, created exclusively (an existing name, even a link, fails).</summary>
    private static (string Path, FileStream Stream) CreateTemporary(string file)
    {
        string name = Path.GetFileName(file);
        string temporary = Path.Combine(
            Path.GetDirectoryName(file)!,
            $".{name[..Math.Min(name.Length, 100)]}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp");
        return (temporary, new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None));
    }

    private static void Delete(string temporary)
    {
        try
        {
            System.IO.File.Delete(temporary);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Nothing more can be done; the write's own error is the one to report.
        }
    }
}
