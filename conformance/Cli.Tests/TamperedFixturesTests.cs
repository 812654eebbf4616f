using System.Diagnostics;
using System.Text.Json.Nodes;
using static BatchNormAxis.Cli.Tests.FixtureCopy;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// The tampered-fixture corpus: every way of slipping a change past `fixtures verify` that issue 11 found, each on a
/// fresh copy of fixtures/. Each ends with exit 1, one line naming the file, no exception, and no hang.
/// </summary>
public sealed class TamperedFixturesTests : IDisposable
{
    private readonly FixtureCopy _copy = new();

    public void Dispose() => _copy.Dispose();

    [Fact]
    public void DeletedCase_EntryAndFile_IsACaseCountProblemAndAMissingCase()
    {
        File.Delete(_copy.Path(VictimPath));
        _copy.EditManifest(m => m["cases"]!.AsArray().Remove(Entry(m, VictimId)));

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.Contains("problem: manifest.json: case_count is 391 but 390 cases are listed: expected the number of entries (a case was added or removed by hand)", lines);
        Assert.Contains($"differs: {VictimPath} (case {VictimId}): a missing case: official suite 0.4.0 lists it, this manifest does not", lines);
        Assert.Contains(lines, l => l.StartsWith("modified suite: manifest SHA-256 ", StringComparison.Ordinal));
    }

    [Fact]
    public void DeletedCase_WithCaseCountLowered_IsStillAModifiedSuiteNamingTheCase()
    {
        File.Delete(_copy.Path(VictimPath));
        _copy.EditManifest(m =>
        {
            m["cases"]!.AsArray().Remove(Entry(m, VictimId));
            m["case_count"] = 390;
        });

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.DoesNotContain(lines, l => l.StartsWith("problem:", StringComparison.Ordinal));
        Assert.Contains($"differs: {VictimPath} (case {VictimId}): a missing case: official suite 0.4.0 lists it, this manifest does not", lines);
        Assert.Contains("differs: manifest.json: case_count is '390' but official suite 0.4.0 says '391'", lines);
    }

    [Fact]
    public void WrongCaseCount_IsAProblem()
    {
        _copy.EditManifest(m => m["case_count"] = 392);

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.Contains("problem: manifest.json: case_count is 392 but 391 cases are listed: expected the number of entries (a case was added or removed by hand)", lines);
        Assert.Contains("differs: manifest.json: case_count is '392' but official suite 0.4.0 says '391'", lines);
    }

    [Fact]
    public void DotDotPath_IsRefusedWithoutReadingOutside()
    {
        // The file outside is a perfect copy of the victim, hash and all: only the path rule can catch it.
        File.Copy(_copy.Path(VictimPath), Path.Combine(_copy.Outside, "evil.json"));
        _copy.EditManifest(m => Entry(m, VictimId)["path"] = "cases/../../outside/evil.json");

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.Contains($"problem: cases/../../outside/evil.json (case {VictimId}): the path 'cases/../../outside/evil.json' climbs out with '..': expected a path that stays inside the fixture folder", lines);
    }

    [Fact]
    public void AbsolutePath_IsRefusedByTheBuiltInManifestSchema()
    {
        _copy.EditManifest(m => Entry(m, VictimId)["path"] = "/etc/passwd");

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.StartsWith("problem: manifest.json: schema violation at '/cases/", lines[0], StringComparison.Ordinal);
        Assert.Contains("/path' (value '\"/etc/passwd\"')", lines[0], StringComparison.Ordinal);
        Assert.Equal($"the manifest of {_copy.Directory} cannot be used: nothing else was checked", lines[1]);
    }

    [Fact]
    public void SymlinkedCaseFile_IsRefusedEvenWhenItsTargetIsIdentical()
    {
        string target = Path.Combine(_copy.Outside, "victim.json");
        File.Move(_copy.Path(VictimPath), target);
        File.CreateSymbolicLink(_copy.Path(VictimPath), target);

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.Contains($"problem: {VictimPath} (case {VictimId}): the file is a symbolic link to '{target}': expected a regular file inside the fixture folder", lines);
        Assert.Contains(lines, l => l.StartsWith("official suite 0.4.0 ", StringComparison.Ordinal));
    }

    [Fact]
    public void SymlinkedCaseFolder_IsRefusedForEveryCaseInIt()
    {
        string target = Path.Combine(_copy.Outside, "keep");
        System.IO.Directory.Move(_copy.Path("cases/keep"), target);
        System.IO.Directory.CreateSymbolicLink(_copy.Path("cases/keep"), target);

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        string[] problems = [.. lines.Where(l => l.StartsWith("problem:", StringComparison.Ordinal))];
        Assert.Equal(228, problems.Length);
        Assert.All(problems, p => Assert.Matches($@"^problem: cases/keep/\S+ \(case keep\.\S+\): its folder cases/keep is a symbolic link to '{target}': expected a real folder inside the fixture folder$", p));
    }

    [Fact]
    public void SymlinkedManifest_IsRefused()
    {
        string target = Path.Combine(_copy.Outside, "manifest.json");
        File.Move(_copy.Path("manifest.json"), target);
        File.CreateSymbolicLink(_copy.Path("manifest.json"), target);

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.Equal($"problem: manifest.json: the file is a symbolic link to '{target}': expected a regular file inside the fixture folder", lines[0]);
    }

    [Fact]
    public void FifoInPlaceOfACase_IsRefusedPromptly()
    {
        File.Delete(_copy.Path(VictimPath));
        RunTool("mkfifo", _copy.Path(VictimPath));

        // If verify ever opens the FIFO it blocks; the guard then opens the writing end to free the stuck thread.
        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify(onTimeout: () => File.WriteAllText(_copy.Path(VictimPath), "")));

        Assert.Contains($"problem: {VictimPath} (case {VictimId}): the file is a FIFO (named pipe): expected a regular file inside the fixture folder", lines);
    }

    [Fact]
    public void FifoInPlaceOfTheManifest_IsRefusedPromptly()
    {
        File.Delete(_copy.Path("manifest.json"));
        RunTool("mkfifo", _copy.Path("manifest.json"));

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify(onTimeout: () => File.WriteAllText(_copy.Path("manifest.json"), "")));

        Assert.Equal("problem: manifest.json: the file is a FIFO (named pipe): expected a regular file inside the fixture folder", lines[0]);
    }

    [Fact]
    public void UnlistedFifoUnderCases_IsRefusedPromptly()
    {
        RunTool("mkfifo", _copy.Path("cases/keep/extra.json"));

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify(onTimeout: () => File.WriteAllText(_copy.Path("cases/keep/extra.json"), "")));

        Assert.Contains("problem: cases/keep/extra.json: is a FIFO (named pipe) and not listed in the manifest: expected only case files and folders under cases/", lines);
    }

    [Fact]
    public void AddedCase_ListedWithItsHash_IsAModifiedSuiteNamingTheExtraCase()
    {
        const string ExtraId = "keep.r2.k1.train.f32.extra";
        const string ExtraPath = "cases/keep/keep.r2.k1.train.f32.extra.json";
        File.Copy(_copy.Path(VictimPath), _copy.Path(ExtraPath));
        _copy.EditManifest(m =>
        {
            JsonObject extra = Entry(m, VictimId).DeepClone().AsObject();
            extra["id"] = ExtraId;
            extra["path"] = ExtraPath;
            m["cases"]!.AsArray().Add(extra);
            m["case_count"] = 392;
        });
        _copy.RewriteCaseWithHash(ExtraId, ExtraPath, fixture => fixture["id"] = ExtraId);

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.DoesNotContain(lines, l => l.StartsWith("problem:", StringComparison.Ordinal));
        Assert.Contains($"differs: {ExtraPath} (case {ExtraId}): an extra case: official suite 0.4.0 has no case with this id", lines);
        Assert.Contains("differs: manifest.json: case_count is '392' but official suite 0.4.0 says '391'", lines);
    }

    [Fact]
    public void DevZeroLinkedInPlaceOfACase_IsRefusedWithoutReading()
    {
        File.Delete(_copy.Path(VictimPath));
        File.CreateSymbolicLink(_copy.Path(VictimPath), "/dev/zero");

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.Contains($"problem: {VictimPath} (case {VictimId}): the file is a symbolic link to '/dev/zero': expected a regular file inside the fixture folder", lines);
    }

    [Fact]
    public void CharacterDeviceInPlaceOfACase_IsRefusedWithoutReading()
    {
        File.Delete(_copy.Path(VictimPath));
        if (!TryRunTool("mknod", _copy.Path(VictimPath), "c", "1", "5"))
        {
            Assert.Skip("mknod is not permitted here (needs CAP_MKNOD); the /dev/zero link test covers the reachable case");
        }

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.Contains($"problem: {VictimPath} (case {VictimId}): the file is a character device: expected a regular file inside the fixture folder", lines);
    }

    [Fact]
    public void OverflowingShape_WithUpdatedHash_IsRefused()
    {
        // 2^30 float32 elements is 2^32 bytes: in 32 bits that wrapped to 0 and matched empty data.
        _copy.RewriteCaseWithHash(VictimId, VictimPath, fixture =>
        {
            fixture["inputs"]!["x"]!["shape"] = new JsonArray(1073741824);
            fixture["inputs"]!["x"]!["data"] = "";
        });

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.Contains($"problem: {VictimPath} (case {VictimId}): inputs.x.shape [1073741824] has more than 16777216 elements: expected at most 16777216 (docs/fixtures.md, \"Limits\")", lines);
    }

    [Fact]
    public void EditedCase_WithUpdatedHash_IsAModifiedSuiteNamingTheCase()
    {
        // Consistent in itself: nothing but the pinned official manifest can tell.
        _copy.RewriteCaseWithHash(VictimId, VictimPath, fixture => fixture["title"] = "a friendlier title");

        CliResult result = _copy.Verify();
        string[] lines = AssertFailsWithOneLineMessages(result);

        Assert.DoesNotContain(lines, l => l.StartsWith("problem:", StringComparison.Ordinal));
        string difference = Assert.Single(lines, l => l.StartsWith("differs:", StringComparison.Ordinal));
        Assert.StartsWith($"differs: {VictimPath} (case {VictimId}): a changed case: sha256 is ", difference, StringComparison.Ordinal);
        Assert.EndsWith("(the case file is not the official one) (compared with official suite 0.4.0)", difference, StringComparison.Ordinal);
        Assert.StartsWith("modified suite: manifest SHA-256 ", lines[^2], StringComparison.Ordinal);
        Assert.EndsWith("is not the manifest of any official suite (1 difference listed above)", lines[^2], StringComparison.Ordinal);
    }

    [Fact]
    public void ChangedManifestField_IsNamed()
    {
        _copy.EditManifest(m => m["suite_version"] = "0.4.0-local");

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.Contains("differs: manifest.json: suite_version is '0.4.0-local' but official suite 0.4.0 says '0.4.0'", lines);
    }

    [Fact]
    public void EmptySchemaInTheFolder_IsADifferenceAndNotTrusted()
    {
        File.WriteAllText(_copy.Path("schema/manifest.schema.json"), "{}");

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.Equal("differs: schema/manifest.schema.json: differs from the built-in schema of format 1.1.0 (ignored: the built-in schema is used)", lines[0]);
        Assert.StartsWith("official suite 0.4.0 (manifest SHA-256 fca3a813", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(", but its schema/ folder has 1 difference from the built-in schemas (listed above)", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void EmptySchemaInTheFolder_DoesNotLetABrokenManifestThrough()
    {
        File.WriteAllText(_copy.Path("schema/manifest.schema.json"), "{}");
        _copy.EditManifest(m => m.Remove("cases"));

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.StartsWith("problem: manifest.json: schema violation at '/'", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void HugeCaseFile_IsRefusedUnread()
    {
        // Sparse: 16 MiB + 1 of nothing on disk, refused by its size before any byte is read.
        using (var stream = new FileStream(_copy.Path(VictimPath), FileMode.Truncate))
        {
            stream.SetLength((16L << 20) + 1);
        }

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.Contains($"problem: {VictimPath} (case {VictimId}): the file is 16777217 bytes: expected at most 16777216 (docs/fixtures.md, \"Limits\"); it was not read", lines);
    }

    [Fact]
    public void HugeManifest_IsRefusedUnread()
    {
        using (var stream = new FileStream(_copy.Path("manifest.json"), FileMode.Truncate))
        {
            stream.SetLength(1L << 40);
        }

        string[] lines = AssertFailsWithOneLineMessages(_copy.Verify());

        Assert.Equal("problem: manifest.json: the file is 1099511627776 bytes: expected at most 16777216 (docs/fixtures.md, \"Limits\"); it was not read", lines[0]);
    }

    /// <summary>Exit 1, every stdout line one of verify's kinds of line, nothing on stderr but progress: no exception, no stack trace.</summary>
    private static string[] AssertFailsWithOneLineMessages(CliResult result)
    {
        Assert.Equal(1, result.ExitCode);
        string[] lines = result.Output.TrimEnd('\n').Split('\n');
        Assert.All(lines, line => Assert.Matches(@"^(problem: |differs: |official suite |modified suite: |the manifest of |\d+ cases verified in |\d+ problems in )", line));
        Assert.All(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Matches(@"^  \d+/\d+ cases checked$", line));
        return lines;
    }

    private static void RunTool(string tool, params string[] arguments) =>
        Assert.True(TryRunTool(tool, arguments), $"{tool} {string.Join(' ', arguments)} failed");

    private static bool TryRunTool(string tool, params string[] arguments)
    {
        using Process process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardError = true })!;
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
