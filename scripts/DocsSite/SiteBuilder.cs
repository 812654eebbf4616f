using Markdig;
using Markdig.Extensions.AutoIdentifiers;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace BatchNormAxis.DocsSite;

/// <summary>
/// Renders every <c>*.md</c> of the docs folder into a static site: pages in <c>docs/SUMMARY.md</c> order,
/// <c>axis-diagram</c> blocks drawn into <c>diagrams/</c>, links checked and rewritten, <c>assets/</c> copied.
/// Every problem is collected as one line naming the file; if there is any, the output folder is left untouched.
/// </summary>
internal static class SiteBuilder
{
    public const string DiagramInfo = "axis-diagram";
    public const string HomePage = "index.md";

    public static MarkdownPipeline CreatePipeline()
    {
        MarkdownPipelineBuilder builder = new MarkdownPipelineBuilder().UseAdvancedExtensions();
        // GitHub's heading ids, so an anchor that works on GitHub works on the site and the other way round.
        builder.Extensions.ReplaceOrAdd<AutoIdentifierExtension>(new AutoIdentifierExtension(AutoIdentifierOptions.GitHub));
        return builder.Build();
    }

    public static SiteBuildResult Build(string docsDirectory, string outputDirectory, bool overwrite)
    {
        if (!Directory.Exists(docsDirectory))
        {
            throw new DocsSiteException($"--docs '{docsDirectory}' is not a folder: expected the folder of Markdown pages (default docs)", isCommandLine: true);
        }

        OutputFolder.CheckReplaceable(outputDirectory, docsDirectory, overwrite);
        string stylesheet = Path.Combine(docsDirectory, "assets", "site.css");
        if (!File.Exists(stylesheet))
        {
            throw new DocsSiteException($"{stylesheet}: missing: the pages link assets/site.css");
        }

        MarkdownPipeline pipeline = CreatePipeline();
        List<string> errors = [];
        List<string> warnings = [];

        Dictionary<string, SitePage> pages = Directory.EnumerateFiles(docsDirectory, "*.md")
            .Where(path => Path.GetFileName(path) != SiteSummary.FileName)
            .Order(StringComparer.Ordinal)
            .Select(path => SitePage.Load(path, pipeline))
            .ToDictionary(page => page.SourceName, StringComparer.Ordinal);
        if (!pages.ContainsKey(HomePage))
        {
            throw new DocsSiteException($"{Path.Combine(docsDirectory, HomePage)}: missing: it is the home page (index.html)");
        }

        List<NavigationEntry> navigation = SiteSummary.Read(docsDirectory, pipeline);
        foreach (SitePage page in pages.Values.Where(p => navigation.All(e => e.Page != p.SourceName)))
        {
            warnings.Add($"{page.SourcePath}: not listed in {Path.Combine(docsDirectory, SiteSummary.FileName)}; appended to the navigation");
            navigation.Add(new NavigationEntry(page.SourceName, page.Title, 0));
        }

        LinkResolver links = new(docsDirectory, outputDirectory, pages);
        Dictionary<SitePage, Dictionary<FencedCodeBlock, DiagramFigure>> diagrams = [];
        foreach (SitePage page in pages.Values)
        {
            diagrams[page] = DrawDiagrams(page, errors);
            ResolveLinks(page, links, errors);
        }

        if (errors.Count > 0)
        {
            return new SiteBuildResult(errors, warnings, pages.Count, 0);
        }

        OutputFolder.Reset(outputDirectory);
        foreach (SitePage page in pages.Values)
        {
            using StringWriter content = new();
            HtmlRenderer renderer = new(content);
            pipeline.Setup(renderer);
            renderer.ObjectRenderers.RemoveAll(r => r is Markdig.Renderers.Html.CodeBlockRenderer);
            renderer.ObjectRenderers.Insert(0, new CodeBlockHtmlRenderer(diagrams[page]));
            renderer.Render(page.Document);
            renderer.Writer.Flush();
            File.WriteAllText(Path.Combine(outputDirectory, page.OutputName), PageLayout.Wrap(page, content.ToString(), navigation, pages));
        }

        foreach (DiagramFigure figure in diagrams.Values.SelectMany(d => d.Values))
        {
            string path = Path.Combine(outputDirectory, figure.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, figure.Svg);
        }

        CopyFolder(Path.Combine(docsDirectory, "assets"), Path.Combine(outputDirectory, "assets"));
        foreach (string relative in links.FilesToCopy)
        {
            string destination = Path.Combine(outputDirectory, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(Path.Combine(docsDirectory, relative), destination, overwrite: true);
        }

        return new SiteBuildResult(errors, warnings, pages.Count, diagrams.Values.Sum(d => d.Count));
    }

    private static Dictionary<FencedCodeBlock, DiagramFigure> DrawDiagrams(SitePage page, List<string> errors)
    {
        Dictionary<FencedCodeBlock, DiagramFigure> figures = [];
        foreach (FencedCodeBlock block in page.Document.Descendants<FencedCodeBlock>().Where(b => b.Info?.Trim() == DiagramInfo))
        {
            try
            {
                AxisDiagramSpec spec = AxisDiagramSpec.Parse(block.Lines.ToString());
                string path = $"diagrams/{Path.GetFileNameWithoutExtension(page.SourceName)}-{figures.Count + 1}.svg";
                figures[block] = new DiagramFigure(path, AxisDiagramSvg.Render(spec), AxisDiagramSvg.AltText(spec), spec.Caption);
            }
            catch (DocsSiteException exception)
            {
                errors.Add($"{page.SourcePath}:{block.Line + 1}: {DiagramInfo}: {exception.Message}");
            }
        }

        return figures;
    }

    private static void ResolveLinks(SitePage page, LinkResolver links, List<string> errors)
    {
        foreach (LinkInline link in page.Document.Descendants<LinkInline>())
        {
            if (link.Url is null)
            {
                continue;
            }

            try
            {
                link.Url = links.Resolve(page, link.Url, link.IsImage);
            }
            catch (DocsSiteException exception)
            {
                string kind = link.IsImage ? "image" : "link";
                errors.Add($"{page.SourcePath}:{link.Line + 1}: broken {kind} '{link.Url}': {exception.Message}");
            }
        }
    }

    private static void CopyFolder(string source, string destination)
    {
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
