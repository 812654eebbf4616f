using System.CommandLine;
using System.Diagnostics;
using BatchNormAxis.DocsSite;

// Exit codes: 0 built (warnings allowed), 1 the docs have errors (broken links, invalid diagrams), 2 invalid command line.
Option<string> docsOption = new("--docs") { Description = "The folder of Markdown pages.", DefaultValueFactory = _ => "docs" };
Option<string> outputOption = new("--output") { Description = "Where to write the site; replaced on every build.", DefaultValueFactory = _ => Path.Combine("artifacts", "site") };
Option<bool> overwriteOption = new("--overwrite") { Description = "Replace a non-empty --output folder even if the builder did not write it." };
Option<bool> vectorsOption = new("--write-axis-vectors") { Description = $"Only regenerate <docs>/{AxisTestVectors.RelativePath} from bnaxis explain's code, then exit." };
RootCommand root = new(
    "Builds the BatchNormAxis documentation site from docs/*.md (sidebar order from docs/SUMMARY.md, axis-diagram blocks drawn "
    + "from the library's axis resolution, links checked). Open <output>/index.html from the file system; nothing is fetched from the network.\n"
    + "Exit codes: 0 built, 1 errors in the docs (one line each, naming the file), 2 invalid command line.")
{
    docsOption,
    outputOption,
    overwriteOption,
    vectorsOption,
};

ParseResult parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    Console.Error.WriteLine($"DocsSite: {parse.Errors[0].Message} (see --help)");
    return 2;
}

root.SetAction(result =>
{
    string docs = result.GetValue(docsOption)!;
    string output = result.GetValue(outputOption)!;
    try
    {
        if (result.GetValue(vectorsOption))
        {
            string path = Path.Combine(docs, AxisTestVectors.RelativePath);
            if (!Directory.Exists(Path.GetDirectoryName(path)))
            {
                throw new DocsSiteException($"--docs '{docs}' has no assets folder: expected the repository's docs folder", isCommandLine: true);
            }

            File.WriteAllText(path, AxisTestVectors.Generate());
            Console.WriteLine($"wrote {AxisTestVectors.Inputs.Count} vectors to {path}");
            return 0;
        }

        Stopwatch clock = Stopwatch.StartNew();
        SiteBuildResult built = SiteBuilder.Build(docs, output, result.GetValue(overwriteOption));
        foreach (string warning in built.Warnings)
        {
            Console.Error.WriteLine($"warning: {warning}");
        }

        foreach (string error in built.Errors)
        {
            Console.Error.WriteLine($"error: {error}");
        }

        if (built.Errors.Count > 0)
        {
            Console.Error.WriteLine($"DocsSite: {built.Errors.Count} error(s) in {docs}; nothing written to {output}");
            return 1;
        }

        Console.WriteLine($"{built.Pages} pages and {built.Diagrams} diagrams written to {Path.Combine(Path.GetFullPath(output), "index.html")} in {clock.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }
    catch (DocsSiteException exception)
    {
        Console.Error.WriteLine($"DocsSite: {exception.Message}");
        return exception.IsCommandLine ? 2 : 1;
    }
});

return parse.Invoke();
