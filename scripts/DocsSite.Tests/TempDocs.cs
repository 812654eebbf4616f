namespace BatchNormAxis.DocsSite.Tests;

/// <summary>A throw-away docs folder (with the stylesheet the builder requires) and a site folder beside it.</summary>
internal sealed class TempDocs : IDisposable
{
    public TempDocs(params (string Name, string Text)[] files)
    {
        Root = Directory.CreateTempSubdirectory("docs-site-test-").FullName;
        Docs = Path.Combine(Root, "docs");
        Output = Path.Combine(Root, "site");
        Directory.CreateDirectory(Path.Combine(Docs, "assets"));
        File.WriteAllText(Path.Combine(Docs, "assets", "site.css"), "body { }\n");
        foreach ((string name, string text) in files)
        {
            Write(name, text);
        }
    }

    public string Root { get; }

    public string Docs { get; }

    public string Output { get; }

    public void Write(string name, string text)
    {
        string path = Path.Combine(Docs, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public SiteBuildResult Build(bool overwrite = false) => SiteBuilder.Build(Docs, Output, overwrite);

    public string ReadOutput(string name) => File.ReadAllText(Path.Combine(Output, name));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
