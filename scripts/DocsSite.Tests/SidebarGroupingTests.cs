using System.Xml.Linq;

namespace BatchNormAxis.DocsSite.Tests;

/// <summary>
/// The sidebar's groups: a group label holds its pages in its own list (markup, not indentation only), and the
/// repository's docs/SUMMARY.md keeps the learner's path free of the project's own pages (issue 14).
/// </summary>
public class SidebarGroupingTests
{
    [Fact]
    public void Build_GroupLabelHoldsItsPages_AndNestedPagesNestUnderTheirPage()
    {
        using TempDocs docs = new(
            ("SUMMARY.md", "- Learn\n  - [Home](index.md)\n  - [Rule](rule.md)\n    - [Detail](detail.md)\n- Project\n  - [Tools](tools.md)\n"),
            ("index.md", "# Home\n"), ("rule.md", "# Rule\n"), ("detail.md", "# Detail\n"), ("tools.md", "# Tools\n"));

        Assert.Empty(docs.Build().Errors);

        XElement list = SidebarList(docs.ReadOutput("rule.html"));
        Assert.Equal(["Learn", "Project"], list.Elements("li").Select(GroupLabel));
        Assert.All(list.Elements("li"), group => Assert.Equal("nav-group", (string?)group.Attribute("class")));
        XElement learn = list.Elements("li").First();
        Assert.Equal(["index.html", "rule.html"], PagesOf(learn));
        XElement rule = learn.Element("ul")!.Elements("li").Last();
        Assert.Equal(["detail.html"], PagesOf(rule));
        Assert.Equal(["tools.html"], PagesOf(list.Elements("li").Last()));
        Assert.Equal("page", (string?)rule.Element("a")!.Attribute("aria-current"));
    }

    [Fact]
    public void Build_PageNotInSummary_IsAppendedAfterTheGroups()
    {
        using TempDocs docs = new(("SUMMARY.md", "- Learn\n  - [Home](index.md)\n"), ("index.md", "# Home\n"), ("extra.md", "# Extra\n"));

        Assert.Single(docs.Build().Warnings);

        XElement list = SidebarList(docs.ReadOutput("index.html"));
        XElement[] top = [.. list.Elements("li")];
        Assert.Equal(2, top.Length);
        Assert.Equal("Learn", GroupLabel(top[0]));
        Assert.Equal("extra.html", (string?)top[1].Element("a")!.Attribute("href"));
    }

    [Fact]
    public void Build_SummaryItemWithoutText_IsAnErrorNamingTheLine()
    {
        using TempDocs docs = new(("SUMMARY.md", "- Learn\n  - [Home](index.md)\n-\n  - [Other](other.md)\n"), ("index.md", "# Home\n"), ("other.md", "# Other\n"));

        var error = Assert.Throws<DocsSiteException>(() => docs.Build());

        Assert.EndsWith("SUMMARY.md:3: a list item without text: expected a link to a page or a group label", error.Message, StringComparison.Ordinal);
    }

    /// <summary>performance.md, tolerance.md and compatibility.md sat in the learner's path; every page is in one of three groups.</summary>
    [Fact]
    public void RepositorySummary_HasTheThreeGroups_WithTheProjectPagesOutOfLearn()
    {
        string docsDirectory = RepositoryDocs();
        List<NavigationEntry> entries = SiteSummary.Read(docsDirectory, SiteBuilder.CreatePipeline());

        Assert.Equal(["Learn", "Validate your implementation", "Project"], entries.Where(e => e.Depth == 0).Select(e => e.Title));
        Assert.All(entries.Where(e => e.Depth == 0), e => Assert.Null(e.Page));
        Dictionary<string, string> groupOf = GroupOfEachPage(entries);

        Assert.Equal("index.md", entries.First(e => e.Page is not null).Page);
        Assert.Equal("Learn", groupOf["index.md"]);
        Assert.Equal("Learn", groupOf["the-rule.md"]);
        Assert.Equal("Learn", groupOf["explorer.md"]);
        foreach (string page in new[] { "validate.md", "protocol.md", "fixtures.md", "tolerance.md" })
        {
            Assert.Equal("Validate your implementation", groupOf[page]);
        }

        foreach (string page in new[] { "reference.md", "cli.md", "performance.md", "compatibility.md", "sources.md" })
        {
            Assert.Equal("Project", groupOf[page]);
        }

        string[] unlisted = [.. Directory.GetFiles(docsDirectory, "*.md").Select(Path.GetFileName).OfType<string>()
            .Where(page => page != SiteSummary.FileName && !groupOf.ContainsKey(page))];
        Assert.Empty(unlisted);
    }

    private static Dictionary<string, string> GroupOfEachPage(List<NavigationEntry> entries)
    {
        Dictionary<string, string> groupOf = [];
        string group = "";
        foreach (NavigationEntry entry in entries)
        {
            if (entry.Depth == 0)
            {
                group = entry.Title;
            }
            else if (entry.Page is not null)
            {
                groupOf[entry.Page] = group;
            }
        }

        return groupOf;
    }

    /// <summary>The sidebar's top list. The nav holds only elements the layout writes closed, so it parses as XML.</summary>
    private static XElement SidebarList(string html)
    {
        int start = html.IndexOf("<nav class=\"sidebar\"", StringComparison.Ordinal);
        int end = html.IndexOf("</nav>", start, StringComparison.Ordinal) + "</nav>".Length;
        XElement nav = XElement.Parse(html[start..end]);
        XElement scroll = Assert.Single(nav.Elements("div"));
        Assert.Equal("sidebar-scroll", (string?)scroll.Attribute("class"));
        return Assert.Single(scroll.Elements("ul"));
    }

    private static string? GroupLabel(XElement item) =>
        item.Elements("span").SingleOrDefault(e => (string?)e.Attribute("class") == "nav-group-label")?.Value;

    private static string?[] PagesOf(XElement item) =>
        [.. item.Element("ul")!.Elements("li").Select(li => (string?)li.Element("a")?.Attribute("href"))];

    private static string RepositoryDocs()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Conformance.sln")))
            {
                return Path.Combine(directory.FullName, "docs");
            }
        }

        throw new InvalidOperationException($"no Conformance.sln above {AppContext.BaseDirectory}");
    }
}
