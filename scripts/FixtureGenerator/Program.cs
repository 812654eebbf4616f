using System.CommandLine;
using BatchNormAxis.FixtureGenerator;

// Exit codes: 0 done (or --check found no difference), 1 --check found differences, 2 invalid command line,
// 3 Python or NumPy unusable, 4 a case refused (e.g. the oracles disagree).
Option<DirectoryInfo> outputOption = new("--output", "-o") { Description = "Write the fixtures into this directory (schema/, cases/, manifest.json)." };
Option<bool> overwriteOption = new("--overwrite") { Description = "Replace the generated files of an existing fixture directory; README.md and CHANGES.md are kept." };
Option<DirectoryInfo> checkOption = new("--check") { Description = "Generate in memory and compare byte for byte with this fixture directory; write nothing." };
RootCommand root = new(
    "Generates the BatchNormAxis golden fixtures: inputs synthesized deterministically, expected values from NumPy float64 "
    + "(through pythonnet) cross-checked by a decimal oracle, tolerances from docs/tolerance.md.\n"
    + "Needs Debian's python3-numpy (or BNAXIS_PYTHON pointing at a Python with NumPy).\n"
    + "Exit codes: 0 done, 1 --check found differences, 2 invalid command line, 3 Python or NumPy unusable, 4 a case refused.")
{
    outputOption,
    overwriteOption,
    checkOption,
};

ParseResult parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    Console.Error.WriteLine($"FixtureGenerator: {parse.Errors[0].Message}");
    return 2;
}

if (parse.GetValue(outputOption) is null == parse.GetValue(checkOption) is null && !parse.Tokens.Any(t => t.Value is "--help" or "-h" or "-?"))
{
    Console.Error.WriteLine("FixtureGenerator: give exactly one of --output DIR or --check DIR (see --help)");
    return 2;
}

root.SetAction(result =>
{
    DirectoryInfo? output = result.GetValue(outputOption);
    DirectoryInfo? check = result.GetValue(checkOption);
    string target = (output ?? check)!.FullName;
    if (output is not null && File.Exists(Path.Combine(target, "manifest.json")) && !result.GetValue(overwriteOption))
    {
        Console.Error.WriteLine($"FixtureGenerator: {target} already holds fixtures; pass --overwrite to replace its generated files (schema/, cases/, manifest.json)");
        return 2;
    }

    if (check is not null && !Directory.Exists(target))
    {
        Console.Error.WriteLine($"FixtureGenerator: --check {target}: no such directory");
        return 2;
    }

    SortedDictionary<string, byte[]> files;
    try
    {
        Console.Error.WriteLine("Starting Python and NumPy...");
        PythonOracle oracle = PythonOracle.Start(Path.Combine(AppContext.BaseDirectory, "oracle"));
        Console.Error.WriteLine($"Python {oracle.Versions["python"]}, NumPy {oracle.Versions["numpy"]}; generating...");
        files = FixtureWriter.GenerateAll(oracle, CaseCatalog.All(), Console.Error);
    }
    catch (PythonEnvironmentException exception)
    {
        Console.Error.WriteLine($"FixtureGenerator: {exception.Message}");
        return 3;
    }
    catch (GeneratorException exception)
    {
        Console.Error.WriteLine($"FixtureGenerator: refused: {exception.Message}");
        return 4;
    }

    SortedSet<string> existing = FixtureWriter.ExistingGeneratedFiles(target);
    if (check is not null)
    {
        var differences = new List<string>();
        foreach ((string path, byte[] bytes) in files)
        {
            string full = Path.Combine(target, path);
            if (!File.Exists(full))
            {
                differences.Add($"missing: {path}");
            }
            else if (!File.ReadAllBytes(full).AsSpan().SequenceEqual(bytes))
            {
                differences.Add($"differs: {path}");
            }
        }

        differences.AddRange(existing.Where(path => !files.ContainsKey(path)).Select(path => $"not generated (stale?): {path}"));
        foreach (string difference in differences.Take(20))
        {
            Console.WriteLine(difference);
        }

        Console.WriteLine(differences.Count == 0
            ? $"{files.Count} files identical to {target}"
            : $"{differences.Count} of the generated files differ from {target}; regenerate with --output {target} --overwrite and commit");
        return differences.Count == 0 ? 0 : 1;
    }

    // Replace the generated part only: stale case files go, README.md and CHANGES.md stay.
    foreach (string path in existing)
    {
        File.Delete(Path.Combine(target, path));
    }

    foreach ((string path, byte[] bytes) in files)
    {
        string full = Path.Combine(target, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
    }

    Console.WriteLine($"wrote {files.Count} files ({files.Values.Sum(b => (long)b.Length) / 1024} KiB) to {target}");
    return 0;
});

return parse.Invoke();
