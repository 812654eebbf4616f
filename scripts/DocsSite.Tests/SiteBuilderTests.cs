namespace BatchNormAxis.DocsSite.Tests;

public class SiteBuilderTests
{
    private const string Summary = "- [Home](index.md)\n- Group\n  - [Other](other.md)\n";

    [Fact]
    public void Build_RewritesPageLinksAndOrdersTheSidebarBySummary()
    {
        using TempDocs docs = new(
            ("SUMMARY.md", Summary),
            ("index.md", "# Home\n\nSee [the section](other.md#a-section) and [top](#home).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"),
            ("other.md", "# Other\n\n## A section\n\n![plot](img/plot.svg)\n"),
            ("img/plot.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>"));

        SiteBuildResult result = docs.Build();

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        Assert.Equal(2, result.Pages);
        string index = docs.ReadOutput("index.html");
        Assert.Contains("href=\"other.html#a-section\"", index, StringComparison.Ordinal);
        Assert.Contains("<table>", index, StringComparison.Ordinal);
        int home = index.IndexOf(">Home</a>", StringComparison.Ordinal);
        int group = index.IndexOf(">Group</span>", StringComparison.Ordinal);
        int other = index.IndexOf(">Other</a>", StringComparison.Ordinal);
        Assert.True(home >= 0 && home < group && group < other, "sidebar order follows SUMMARY.md");
        Assert.True(File.Exists(Path.Combine(docs.Output, "img", "plot.svg")), "referenced images are copied");
        Assert.True(File.Exists(Path.Combine(docs.Output, "assets", "site.css")), "assets are copied");
    }

    [Theory]
    [InlineData("[x](missing.md)", "index.md:3: broken link 'missing.md': no page missing.md")]
    [InlineData("[x](other.md#nowhere)", "index.md:3: broken link 'other.md#nowhere': no anchor #nowhere in other.md")]
    [InlineData("[x](#nowhere)", "index.md:3: broken link '#nowhere': no anchor #nowhere in index.md")]
    [InlineData("![x](missing.png)", "index.md:3: broken image 'missing.png': missing image")]
    [InlineData("[x](../no-such-file.txt)", "index.md:3: broken link '../no-such-file.txt': no such file")]
    public void Build_BrokenLinkOrAnchorOrImage_IsOneErrorNamingFileAndLink(string markdown, string expected)
    {
        using TempDocs docs = new(("SUMMARY.md", Summary), ("index.md", $"# Home\n\n{markdown}\n"), ("other.md", "# Other\n"));

        SiteBuildResult result = docs.Build();

        string error = Assert.Single(result.Errors);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.StartsWith(docs.Docs, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(docs.Output), "nothing is written when the docs have errors");
    }

    [Fact]
    public void Build_ExternalLinksAreLeftAlone()
    {
        using TempDocs docs = new(("SUMMARY.md", Summary), ("index.md", "# Home\n\n[keras](https://keras.io/x.md) <mailto:a@b.c>\n"), ("other.md", "# Other\n"));

        Assert.Empty(docs.Build().Errors);
        Assert.Contains("href=\"https://keras.io/x.md\"", docs.ReadOutput("index.html"), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_InvalidDiagram_FailsWithFileLineAndTheLibrarysMessage()
    {
        string libraryMessage = Assert.Throws<BatchNormArgumentException>(() => AxisResolution.Resolve([2, 3], AxisSpec.Of(2))).Message;
        using TempDocs docs = new(("SUMMARY.md", Summary), ("index.md", "# Home\n\n```axis-diagram\nshape: (2, 3)\naxis: 2\n```\n"), ("other.md", "# Other\n"));

        SiteBuildResult result = docs.Build();

        Assert.Equal($"{Path.Combine(docs.Docs, "index.md")}:3: axis-diagram: {libraryMessage}", Assert.Single(result.Errors));
    }

    [Fact]
    public void Build_Diagram_BecomesAnImageWithAltTextAndCaption()
    {
        using TempDocs docs = new(
            ("SUMMARY.md", Summary),
            ("index.md", "# Home\n\n```axis-diagram\nshape: 4,6\naxis: 0\ncaption: Keep the rows\n```\n\n```axis-diagram\nshape: 4,6\naxis: -1\n```\n"),
            ("other.md", "# Other\n"));

        SiteBuildResult result = docs.Build();

        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Diagrams);
        string index = docs.ReadOutput("index.html");
        Assert.Contains("<img src=\"diagrams/index-1.svg\" alt=\"Axis diagram: BatchNormalization(axis=0) on input shape (4, 6)", index, StringComparison.Ordinal);
        Assert.Contains("<figcaption>Keep the rows</figcaption>", index, StringComparison.Ordinal);
        Assert.StartsWith("<svg", docs.ReadOutput("diagrams/index-2.svg"), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_HighlightsCodeAtBuildTime()
    {
        using TempDocs docs = new(("SUMMARY.md", Summary), ("index.md", "# Home\n\n```json\n{\"a\": \"<b>\", \"n\": 3}\n```\n"), ("other.md", "# Other\n"));

        Assert.Empty(docs.Build().Errors);
        string index = docs.ReadOutput("index.html");
        Assert.Contains("<span class=\"tok-p\">&quot;a&quot;</span>", index, StringComparison.Ordinal);
        Assert.Contains("<span class=\"tok-s\">&quot;&lt;b&gt;&quot;</span>", index, StringComparison.Ordinal);
        Assert.Contains("<span class=\"tok-n\">3</span>", index, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_PageMissingFromSummary_IsAppendedWithAWarning()
    {
        using TempDocs docs = new(("SUMMARY.md", Summary), ("index.md", "# Home\n"), ("other.md", "# Other\n"), ("extra.md", "# Extra page\n"));

        SiteBuildResult result = docs.Build();

        Assert.Empty(result.Errors);
        Assert.Contains("extra.md: not listed in", Assert.Single(result.Warnings), StringComparison.Ordinal);
        Assert.Contains("<a href=\"extra.html\">Extra page</a>", docs.ReadOutput("index.html"), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_SummaryListingAMissingFile_IsAnError()
    {
        using TempDocs docs = new(("SUMMARY.md", Summary + "- [Gone](gone.md)\n"), ("index.md", "# Home\n"), ("other.md", "# Other\n"));

        var error = Assert.Throws<DocsSiteException>(() => docs.Build());

        Assert.EndsWith("SUMMARY.md:4: lists 'gone.md', which does not exist in " + docs.Docs, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_RefusesAForeignNonEmptyOutputFolderUnlessOverwrite()
    {
        using TempDocs docs = new(("SUMMARY.md", Summary), ("index.md", "# Home\n"), ("other.md", "# Other\n"));
        Directory.CreateDirectory(docs.Output);
        string precious = Path.Combine(docs.Output, "precious.txt");
        File.WriteAllText(precious, "keep me");

        var error = Assert.Throws<DocsSiteException>(() => docs.Build());

        Assert.Contains("is a non-empty folder that the site builder did not write", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(precious));
        Assert.Empty(docs.Build(overwrite: true).Errors);
        Assert.False(File.Exists(precious));
    }

    [Fact]
    public void Build_ReplacesItsOwnPreviousOutput()
    {
        using TempDocs docs = new(("SUMMARY.md", Summary), ("index.md", "# Home\n"), ("other.md", "# Other\n"));
        Assert.Empty(docs.Build().Errors);
        File.Delete(Path.Combine(docs.Docs, "other.md"));
        docs.Write("SUMMARY.md", "- [Home](index.md)\n");

        Assert.Empty(docs.Build().Errors);
        Assert.False(File.Exists(Path.Combine(docs.Output, "other.html")), "a page removed from the docs disappears from the site");
    }

    [Fact]
    public void Build_FoldersGivenWithATrailingSeparator_WorkTheSame()
    {
        using TempDocs docs = new(("SUMMARY.md", Summary), ("index.md", "# Home\n\n[x](other.md#other)\n"), ("other.md", "# Other\n"));

        SiteBuildResult result = SiteBuilder.Build(docs.Docs + Path.DirectorySeparatorChar, docs.Output + Path.DirectorySeparatorChar, overwrite: false);

        Assert.Empty(result.Errors);
        Assert.Contains("href=\"other.html#other\"", docs.ReadOutput("index.html"), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_OutputHoldingTheDocs_IsRefusedEvenWithOverwrite()
    {
        // Only the temporary folder is at risk if this regresses: never point a test at a real parent such as "/".
        using TempDocs docs = new(("SUMMARY.md", Summary), ("index.md", "# Home\n"), ("other.md", "# Other\n"));

        var error = Assert.Throws<DocsSiteException>(() => SiteBuilder.Build(docs.Docs, docs.Root, overwrite: true));

        Assert.Contains("overlaps --docs", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(docs.Docs, "index.md")));
    }

    [Fact]
    public void Build_OutputInsideDocs_IsRefused()
    {
        using TempDocs docs = new(("SUMMARY.md", Summary), ("index.md", "# Home\n"), ("other.md", "# Other\n"));

        var error = Assert.Throws<DocsSiteException>(() => SiteBuilder.Build(docs.Docs, Path.Combine(docs.Docs, "site"), overwrite: true));

        Assert.Contains("overlaps --docs", error.Message, StringComparison.Ordinal);
    }
}
