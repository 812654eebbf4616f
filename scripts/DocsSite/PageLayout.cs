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
            .Append("<nav class=\"sidebar\" aria-label=\"Documentation\">\n<a class=\"site-title\" href=\"index.html\">").Append(SiteTitle).Append("</a>\n<ul>\n");
        foreach (NavigationEntry entry in navigation)
        {
            if (entry.Page is null)
            {
                html.Append("<li class=\"group depth-").Append(entry.Depth).Append("\">").Append(Encode(entry.Title)).Append("</li>\n");
                continue;
            }

            SitePage target = pages[entry.Page];
            bool current = ReferenceEquals(target, page);
            html.Append("<li class=\"depth-").Append(entry.Depth).Append("\"><a href=\"").Append(Encode(target.OutputName)).Append('"')
                .Append(current ? " aria-current=\"page\"" : "").Append('>').Append(Encode(entry.Title)).Append("</a></li>\n");
        }

        html.Append("</ul>\n</nav>\n<main class=\"content\">\n").Append(contentHtml)
            .Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
