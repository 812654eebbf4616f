using System.Text.RegularExpressions;

namespace BatchNormAxis.Tests.Docs;

/// <summary>A fenced code block of a docs page: its info string, its body and where it starts.</summary>
internal sealed record FencedBlock(string Page, int Index, int Line, string Info, string Body)
{
    /// <summary>A stable id for test names: the page and the block's position among blocks of its kind.</summary>
    public string Id => $"{Page}#{Index}";
}

/// <summary>
/// Finds the repository's <c>docs/</c> folder (the one beside <c>Conformance.sln</c>) and reads its Markdown pages:
/// fenced code blocks by info string, and pipe tables.
/// </summary>
internal static partial class DocsPages
{
    private static readonly Lazy<string> s_directory = new(Find);

    public static string Directory => s_directory.Value;

    /// <summary>Every <c>docs/*.md</c> page, by file name, sorted.</summary>
    public static IReadOnlyList<string> Pages =>
        [.. System.IO.Directory.GetFiles(Directory, "*.md").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    public static string Read(string page) => File.ReadAllText(Path.Combine(Directory, page)).ReplaceLineEndings("\n");

    /// <summary>The fenced blocks whose info string is <paramref name="info"/>, in every page, numbered per page from 0.</summary>
    public static IReadOnlyList<FencedBlock> Blocks(string info) =>
        [.. Pages.SelectMany(page => FencedBlocks(page).Where(block => block.Info == info).Select((block, i) => block with { Index = i }))];

    /// <summary>Every fenced block of a page (``` or ~~~ fences, three or more).</summary>
    public static IEnumerable<FencedBlock> FencedBlocks(string page)
    {
        string[] lines = Read(page).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            Match open = FenceOpen().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            string fence = open.Groups["fence"].Value;
            int start = i;
            var body = new List<string>();
            for (i++; i < lines.Length && !(lines[i].TrimStart().StartsWith(fence, StringComparison.Ordinal) && lines[i].Trim().Trim(fence[0]).Length == 0); i++)
            {
                body.Add(lines[i]);
            }

            yield return new FencedBlock(page, 0, start + 1, open.Groups["info"].Value.Trim(), string.Join('\n', body));
        }
    }

    /// <summary>The pipe tables of a page outside code blocks: header cells and the body rows' cells, with the line of each row.</summary>
    public static IEnumerable<(string[] Header, List<(int Line, string[] Cells)> Rows)> Tables(string page)
    {
        string[] lines = Read(page).Split('\n');
        bool inFence = false;
        for (int i = 0; i < lines.Length; i++)
        {
            if (FenceOpen().IsMatch(lines[i]))
            {
                inFence = !inFence;
                continue;
            }

            if (inFence || !lines[i].StartsWith('|') || i + 1 >= lines.Length || !TableDelimiter().IsMatch(lines[i + 1]))
            {
                continue;
            }

            string[] header = Cells(lines[i]);
            var rows = new List<(int, string[])>();
            for (i += 2; i < lines.Length && lines[i].StartsWith('|'); i++)
            {
                rows.Add((i + 1, Cells(lines[i])));
            }

            yield return (header, rows);
        }
    }

    private static string[] Cells(string row) =>
        [.. row.Trim().Trim('|').Split('|').Select(cell => cell.Trim())];

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Conformance.sln")))
            {
                return Path.Combine(directory.FullName, "docs");
            }
        }

        throw new InvalidOperationException($"no Conformance.sln above {AppContext.BaseDirectory}: cannot find docs/");
    }

    [GeneratedRegex(@"^\s{0,3}(?<fence>`{3,}|~{3,})(?<info>[^`]*)$")]
    private static partial Regex FenceOpen();

    [GeneratedRegex(@"^\|(\s*:?-+:?\s*\|)+\s*$")]
    private static partial Regex TableDelimiter();
}
