using System.Text.RegularExpressions;
using Markdig;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace BatchNormAxis.DocsSite;

/// <summary>One parsed Markdown page: its names, title, syntax tree and the anchors other pages may link to.</summary>
internal sealed partial class SitePage
{
    private SitePage(string sourcePath, MarkdownDocument document)
    {
        SourcePath = sourcePath;
        SourceName = Path.GetFileName(sourcePath);
        OutputName = Path.ChangeExtension(SourceName, ".html");
        Document = document;
        HeadingBlock? h1 = document.Descendants<HeadingBlock>().FirstOrDefault(h => h.Level == 1);
        string title = MarkdownText.Plain(h1?.Inline);
        Title = title.Length > 0 ? title : Path.GetFileNameWithoutExtension(SourceName);

        // Heading ids come from Markdig's auto-identifiers; raw HTML may declare more (the explorer's form).
        foreach (HeadingBlock heading in document.Descendants<HeadingBlock>())
        {
            if (heading.GetAttributes().Id is { } id)
            {
                Anchors.Add(id);
            }
        }

        IEnumerable<string> rawHtml = document.Descendants<HtmlBlock>().Select(b => b.Lines.ToString())
            .Concat(document.Descendants<HtmlInline>().Select(i => i.Tag));
        foreach (string html in rawHtml)
        {
            foreach (Match match in HtmlId().Matches(html))
            {
                Anchors.Add(match.Groups[1].Value);
            }
        }
    }

    /// <summary>The Markdown file.</summary>
    public string SourcePath { get; }

    /// <summary>The Markdown file name, e.g. <c>cli.md</c>.</summary>
    public string SourceName { get; }

    /// <summary>The HTML file name, e.g. <c>cli.html</c>.</summary>
    public string OutputName { get; }

    /// <summary>The first level-1 heading's text, or the file name without extension.</summary>
    public string Title { get; }

    public MarkdownDocument Document { get; }

    /// <summary>Every fragment identifier the rendered page will carry.</summary>
    public HashSet<string> Anchors { get; } = new(StringComparer.Ordinal);

    public static SitePage Load(string sourcePath, MarkdownPipeline pipeline) =>
        new(sourcePath, Markdown.Parse(File.ReadAllText(sourcePath), pipeline));

    [GeneratedRegex("""\bid\s*=\s*["']([^"']+)["']""")]
    private static partial Regex HtmlId();
}
