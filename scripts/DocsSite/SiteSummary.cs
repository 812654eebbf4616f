using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace BatchNormAxis.DocsSite;

/// <summary>
/// Reads <c>docs/SUMMARY.md</c>, a Markdown list of links, into the sidebar order. Nested lists nest in the sidebar.
/// A listed file that does not exist is an error; pages that are not listed are appended by the builder with a warning.
/// </summary>
internal static class SiteSummary
{
    public const string FileName = "SUMMARY.md";

    public static List<NavigationEntry> Read(string docsDirectory, MarkdownPipeline pipeline)
    {
        string path = Path.Combine(docsDirectory, FileName);
        if (!File.Exists(path))
        {
            throw new DocsSiteException($"{path}: missing: expected a Markdown list of links to the pages, in sidebar order");
        }

        MarkdownDocument document = Markdown.Parse(File.ReadAllText(path), pipeline);
        List<NavigationEntry> entries = [];
        foreach (ListItemBlock item in document.Descendants<ListItemBlock>())
        {
            ParagraphBlock? paragraph = item.OfType<ParagraphBlock>().FirstOrDefault();
            int depth = CountAncestorLists(item) - 1;
            LinkInline? link = paragraph?.Inline?.FindDescendants<LinkInline>().FirstOrDefault();
            if (link?.Url is null)
            {
                string label = MarkdownText.Plain(paragraph?.Inline);
                if (label.Length == 0)
                {
                    // The sidebar nests the items under an entry inside it: an item without text cannot hold them.
                    throw new DocsSiteException($"{path}:{item.Line + 1}: a list item without text: expected a link to a page or a group label");
                }

                entries.Add(new NavigationEntry(null, label, depth));
                continue;
            }

            string page = link.Url.Split('#')[0];
            if (page.StartsWith("./", StringComparison.Ordinal))
            {
                page = page[2..];
            }

            if (!page.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || page.Contains('/', StringComparison.Ordinal))
            {
                throw new DocsSiteException($"{path}:{link.Line + 1}: '{link.Url}' is not a page of {docsDirectory}: expected a link to a .md file beside SUMMARY.md");
            }

            if (!File.Exists(Path.Combine(docsDirectory, page)))
            {
                throw new DocsSiteException($"{path}:{link.Line + 1}: lists '{link.Url}', which does not exist in {docsDirectory}");
            }

            entries.Add(new NavigationEntry(page, MarkdownText.Plain(link), depth));
        }

        return entries;
    }

    private static int CountAncestorLists(Block block)
    {
        int count = 0;
        for (Block? parent = block.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is ListBlock)
            {
                count++;
            }
        }

        return count;
    }
}
