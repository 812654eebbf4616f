namespace BatchNormAxis.Tests.Docs;

/// <summary>
/// The repository stands on its own: no docs page, source file or script cites the internal notes folder that is
/// not part of it. Claims cite their primary source (a framework file at a fixed commit, a spec, an issue) or the
/// repository file that measured them.
/// </summary>
public class SelfContainedTests
{
    private static readonly string[] s_extensions = [".md", ".cs", ".py", ".sh", ".mjs"];

    private static readonly HashSet<string> s_skippedDirectories = new(StringComparer.Ordinal) { ".git", "bin", "obj", "node_modules", "TestResults" };

    /// <summary>Built from parts, so that this file does not contain what it looks for.</summary>
    private static readonly string[] s_needles =
    [
        "shared" + "/reference",
        "semantic" + " reference",
        "interop-and-" + "peers",
        "conformance-" + "lessons",
    ];

    [Fact]
    public void NoTextFileCitesTheInternalNotes()
    {
        string root = Path.GetDirectoryName(DocsPages.Directory)!;
        List<string> files = [.. TextFiles(root)];
        Assert.Contains(files, file => file.EndsWith("README.md", StringComparison.Ordinal));

        List<string> hits = [];
        foreach (string file in files)
        {
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                foreach (string needle in s_needles)
                {
                    if (lines[i].Contains(needle, StringComparison.OrdinalIgnoreCase))
                    {
                        hits.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {needle}");
                    }
                }
            }
        }

        Assert.True(hits.Count == 0, "cite the primary source instead of the internal notes:\n" + string.Join('\n', hits));
    }

    private static IEnumerable<string> TextFiles(string directory)
    {
        foreach (string file in Directory.EnumerateFiles(directory))
        {
            if (s_extensions.Contains(Path.GetExtension(file), StringComparer.Ordinal))
            {
                yield return file;
            }
        }

        foreach (string sub in Directory.EnumerateDirectories(directory))
        {
            if (!s_skippedDirectories.Contains(Path.GetFileName(sub)))
            {
                foreach (string file in TextFiles(sub))
                {
                    yield return file;
                }
            }
        }
    }
}
