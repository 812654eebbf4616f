using System.Text.RegularExpressions;

namespace BatchNormAxis.DocsSite;

/// <summary>
/// Checks and rewrites one link or image target of a page. Links to pages become <c>.html</c> and their anchors must
/// exist; files inside the docs folder must exist and are copied; files elsewhere in the repository must exist and are
/// linked relative to the output folder; external URLs are left alone.
/// </summary>
internal sealed partial class LinkResolver(string docsDirectory, string outputDirectory, IReadOnlyDictionary<string, SitePage> pages)
{
    private readonly string _docs = Path.TrimEndingDirectorySeparator(Path.GetFullPath(docsDirectory));
    private readonly string _output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputDirectory));

    /// <summary>Files below the docs folder that pages reference (images, downloads), relative to it, to copy into the site.</summary>
    public SortedSet<string> FilesToCopy { get; } = new(StringComparer.Ordinal);

    /// <summary>The rewritten URL, or throws a <see cref="DocsSiteException"/> whose message says what is wrong with it.</summary>
    public string Resolve(SitePage page, string url, bool isImage)
    {
        if (url.Length == 0)
        {
            throw new DocsSiteException("empty target");
        }

        if (ExternalUrl().IsMatch(url))
        {
            return url;
        }

        int hash = url.IndexOf('#', StringComparison.Ordinal);
        string path = Uri.UnescapeDataString(hash < 0 ? url : url[..hash]);
        string? fragment = hash < 0 ? null : url[(hash + 1)..];
        if (path.Length == 0)
        {
            CheckAnchor(page, fragment!);
            return url;
        }

        string full = Path.GetFullPath(Path.Combine(_docs, path));
        bool insideDocs = OutputFolder.IsSameOrInside(full, _docs) && full != _docs;
        if (insideDocs && Path.GetDirectoryName(full) == _docs && pages.TryGetValue(Path.GetFileName(full), out SitePage? target))
        {
            if (isImage)
            {
                throw new DocsSiteException("an image cannot be a Markdown page");
            }

            if (fragment is not null)
            {
                CheckAnchor(target, fragment);
            }

            return target.OutputName + (fragment is null ? "" : "#" + fragment);
        }

        if (path.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && insideDocs)
        {
            throw new DocsSiteException($"no page {Path.GetRelativePath(_docs, full)} in {docsDirectory}");
        }

        bool exists = isImage ? File.Exists(full) : File.Exists(full) || Directory.Exists(full);
        if (!exists)
        {
            throw new DocsSiteException(isImage ? "missing image" : "no such file");
        }

        if (insideDocs)
        {
            string relative = Path.GetRelativePath(_docs, full).Replace('\\', '/');
            FilesToCopy.Add(relative);
            return relative + (fragment is null ? "" : "#" + fragment);
        }

        // Outside the docs: link to the file in the repository, relative to where the site is written.
        return Path.GetRelativePath(_output, full).Replace('\\', '/') + (fragment is null ? "" : "#" + fragment);
    }

    private static void CheckAnchor(SitePage page, string fragment)
    {
        if (!page.Anchors.Contains(Uri.UnescapeDataString(fragment)))
        {
            throw new DocsSiteException($"no anchor #{fragment} in {page.SourceName}");
        }
    }

    // "https:", "mailto:", "//host": not ours to check offline.
    [GeneratedRegex("^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")]
    private static partial Regex ExternalUrl();
}
