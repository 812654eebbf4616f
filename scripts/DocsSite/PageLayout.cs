using System.Net;
using System.Text;

namespace BatchNormAxis.DocsSite;

/// <summary>The HTML around a page's content: the sidebar from the navigation, the stylesheet, nothing from the network.</summary>
internal static class PageLayout
{
    public const string SiteTitle = "BatchNormAxis";

    public static string Wrap(SitePage page, string contentHtml, IReadOnlyList<NavigationEntry> navigation, IReadOnlyDictionary<string, SitePage> pages)
    {
        StringBuilder html = new();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(Encode(page.SourceName == "index.md" ? SiteTitle : $"{page.Title} · {SiteTitle}")).Append("</title>\n")
            .Append("<link rel=\"stylesheet\" href=\"assets/site.css\">\n</head>\n<body>\n")
            .Append("<nav class=\"sidebar\" aria-label=\"Documentation\">\n<div class=\"sidebar-scroll\">\n<a class=\"site-title\" href=\"index.html\">")
            .Append(SiteTitle).Append("</a>\n");
        AppendNavigation(html, page, navigation, pages);
        html.Append("</div>\n</nav>\n<main class=\"content\">\n").Append(contentHtml)
            .Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>
    /// The sidebar as nested lists: an entry followed by deeper entries holds them in its own list, so a group label
    /// (<c>li.nav-group</c>) contains its pages and the grouping is in the markup, not only in the indentation.
    /// </summary>
    private static void AppendNavigation(StringBuilder html, SitePage page, IReadOnlyList<NavigationEntry> navigation, IReadOnlyDictionary<string, SitePage> pages)
    {
        html.Append("<ul>\n");
        for (int i = 0; i < navigation.Count; i++)
        {
            NavigationEntry entry = navigation[i];
            if (entry.Page is null)
            {
                html.Append("<li class=\"nav-group\"><span class=\"nav-group-label\">").Append(Encode(entry.Title)).Append("</span>");
            }
            else
            {
                SitePage target = pages[entry.Page];
                bool current = ReferenceEquals(target, page);
                html.Append("<li class=\"nav-page\"><a href=\"").Append(Encode(target.OutputName)).Append('"')
                    .Append(current ? " aria-current=\"page\"" : "").Append('>').Append(Encode(entry.Title)).Append("</a>");
            }

            // A Markdown list nests one level at a time, so the next entry is at most one deeper.
            int next = i + 1 < navigation.Count ? navigation[i + 1].Depth : 0;
            if (next > entry.Depth)
            {
                html.Append("\n<ul>\n");
                continue;
            }

            html.Append("</li>\n");
            for (int depth = entry.Depth; depth > next; depth--)
            {
                html.Append("</ul>\n</li>\n");
            }
        }

        html.Append("</ul>\n");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
