using System.Diagnostics;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// An expectations file is read strictly: anything but the documented format is a one-line FormatException naming the
/// file, the entry and what was expected. The committed expectations files waive required cases by exact id only.
/// </summary>
public sealed class ExpectationsFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bnaxis-expectations-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("""{"expectations":[1]}""", "entry 0 is the number 1: expected an object with id, status and reason (and optionally url)")]
    [InlineData("""{"expectations":[null]}""", "entry 0 is null: expected an object with id, status and reason (and optionally url)")]
    [InlineData("""{"expectations":[{"id":5,"status":"fail","reason":"r"}]}""", "entry 0: 'id' is the number 5: expected a string")]
    [InlineData("""{"expectations":[{"id":"a","status":"fail","reason":1e400}]}""", "entry 0: 'reason' is the number 1e400: expected a string")]
    [InlineData("""{"expectations":[{"id":"a","status":null,"reason":"r"}]}""", "entry 0: 'status' is null: expected a string")]
    [InlineData("""{"expectations":[{"id":"a","status":"fail","reason":"r","url":null}]}""", "entry 0: 'url' is null: expected a string")]
    [InlineData("""{"expectations":[{"id":"a","status":"fail","reason":"r","url":["x"]}]}""", "entry 0: 'url' is an array: expected a string")]
    [InlineData("""{"expectations":[{"id":"","status":"fail","reason":"r"}]}""", "entry 0: 'id' is empty: expected a case id or a glob (* and ? only)")]
    [InlineData("""{"expectations":[{"status":"fail","reason":"r"}]}""", "entry 0: 'id' is missing: expected a case id or a glob (* and ? only)")]
    [InlineData("{\"expectations\":[{\"id\":\"*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.#\",\"status\":\"skip\",\"reason\":\"r\"}]}", "entry 0: 'id' is 201 characters: expected a case id or a glob of at most 200")]
    [InlineData("""{"expectations":[{"id":"a","status":"xfail","reason":"r"}]}""", "entry 0 ('a'): status 'xfail' is unknown: expected fail or skip")]
    [InlineData("""{"expectations":[{"id":"a","reason":"r"}]}""", "entry 0 ('a'): 'status' is missing: expected fail or skip")]
    [InlineData("""{"expectations":[{"id":"a","status":"skip","reason":"  "}]}""", "entry 0 ('a'): 'reason' is blank: every expectation says why")]
    [InlineData("""{"expectations":[{"id":"a","status":"skip"}]}""", "entry 0 ('a'): 'reason' is missing: every expectation says why")]
    [InlineData("""{"expectations":[{"id":"a","status":"skip","reason":"r","stauts":"fail"}]}""", "entry 0: unknown key 'stauts': expected id, status, reason or url")]
    [InlineData("""{"expectations":[{"id":"a","status":"skip","reason":"r"},{"id":"b","id":"*","status":"skip","reason":"r"}]}""", "entry 1: key 'id' appears twice: expected each key once")]
    [InlineData("""{"expectations":[],"expectations":[{"id":"*","status":"skip","reason":"r"}]}""", ": key 'expectations' appears twice: expected each key once")]
    [InlineData("""[{"id":"*","status":"skip","reason":"r"}]""", ": the root is an array: expected an object with an 'expectations' array")]
    [InlineData("""null""", ": the root is null: expected an object with an 'expectations' array")]
    [InlineData("""{"expectation":[]}""", ": unknown key 'expectation' at the root: expected an object with an 'expectations' array (and optionally '$schema')")]
    [InlineData("""{}""", ": 'expectations' is missing: expected an object with an 'expectations' array")]
    [InlineData("""{"expectations":{"id":"*"}}""", ": 'expectations' is an object: expected an object with an 'expectations' array")]
    [InlineData("""{"expectations":[{"id":"a\u001b[2Jb","status":"bad\u0007","reason":"r"}]}""", @"entry 0 ('a\x1b[2Jb'): status 'bad\x07' is unknown: expected fail or skip")]
    public void BadFile_IsAOneLineFormatExceptionNamingTheFileAndTheEntry(string content, string expected)
    {
        string path = Write(content);

        var exception = Assert.Throws<FormatException>(() => Expectations.Load(path));

        string file = $"expectations file '{path}'";
        Assert.Equal(expected.StartsWith(':') ? file + expected : $"{file}, {expected}", exception.Message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"expectations\":[")]
    public void NotJson_IsAOneLineFormatException(string content)
    {
        string path = Write(content);

        var exception = Assert.Throws<FormatException>(() => Expectations.Load(path));

        Assert.StartsWith($"expectations file '{path}' is not valid JSON (", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', exception.Message);
    }

    [Fact]
    public void InvalidUtf8_IsAOneLineFormatException()
    {
        string path = Path.Combine(_directory, "latin1.json");
        File.WriteAllBytes(path, [.. "{\"expectations\":[{\"id\":\""u8, 0xff, 0xfe, .. "\",\"status\":\"skip\",\"reason\":\"r\"}]}"u8]);

        var exception = Assert.Throws<FormatException>(() => Expectations.Load(path));

        Assert.Equal($"expectations file '{path}' is not valid UTF-8: expected a UTF-8 JSON file", exception.Message);
    }

    [Fact]
    public void NameWithANulCharacter_IsAOneLineFormatException()
    {
        // A response file can carry a NUL into an argument; the file system cannot name such a file.
        var exception = Assert.Throws<FormatException>(() => Expectations.Load("1\u00002"));

        Assert.StartsWith(@"expectations file '1\x002' cannot be read: ", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', exception.Message);
    }

    [Fact]
    public void OversizedFile_IsRefusedBeforeItIsRead()
    {
        string path = Path.Combine(_directory, "huge.json");
        using (FileStream stream = File.Create(path))
        {
            stream.SetLength((1 << 20) + 1);
        }

        var exception = Assert.Throws<FormatException>(() => Expectations.Load(path));

        Assert.Equal($"expectations file '{path}' is 1048577 bytes: expected at most 1048576 bytes (1 MiB)", exception.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/dev/zero")]
    [InlineData("/dev/null")]
    public void EmptyFileOrDevice_IsRefused(string device)
    {
        string path = device.Length > 0 ? device : Write("");

        var exception = Assert.Throws<FormatException>(() => Expectations.Load(path));

        Assert.Equal($"expectations file '{path}' is empty or not a regular file: expected a JSON file", exception.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Fifo_IsRefusedWithoutHanging(bool throughSymbolicLink)
    {
        string fifo = Path.Combine(_directory, "fifo.json");
        string path = throughSymbolicLink ? Path.Combine(_directory, "link.json") : fifo;
        using (Process mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
        }

        if (throughSymbolicLink)
        {
            File.CreateSymbolicLink(path, fifo);
        }

        Task<Exception?> load = Task.Run(() => Record.Exception(() => Expectations.Load(path)), TestContext.Current.CancellationToken);

        Exception? exception = await load.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken); // a hang ends in a TimeoutException
        Assert.Equal($"expectations file '{path}' is empty or not a regular file: expected a JSON file", Assert.IsType<FormatException>(exception).Message);
    }

    [Fact]
    public void SymbolicLinkLoop_IsAOneLineFormatException()
    {
        string path = Path.Combine(_directory, "loop.json");
        File.CreateSymbolicLink(path, path);

        var exception = Assert.Throws<FormatException>(() => Expectations.Load(path));

        Assert.StartsWith($"expectations file '{path}' ", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', exception.Message);
    }

    [Fact]
    public void Directory_IsRefused()
    {
        var exception = Assert.Throws<FormatException>(() => Expectations.Load(_directory));

        Assert.Equal($"expectations file '{_directory}' is a directory: expected a JSON file", exception.Message);
    }

    [Fact]
    public void GoodFile_KeepsEveryEntryInOrder()
    {
        string path = Write("""
            {"$schema": "../protocol/expectations.schema.json", "expectations": [
              {"id": "keep.r4.k1.train.f32", "status": "fail", "reason": "PyTorch momentum", "url": "https://example.org/1"},
              {"id": "dtype.*.f16", "status": "skip", "reason": "no float16 yet"}
            ]}
            """);

        Expectations expectations = Expectations.Load(path);

        Assert.Equal(
            [new Expectation("keep.r4.k1.train.f32", ExpectationStatus.Fail, "PyTorch momentum", "https://example.org/1"), new Expectation("dtype.*.f16", ExpectationStatus.Skip, "no float16 yet", null)],
            expectations.Entries);
        Assert.False(expectations.Entries[0].IsWildcard);
        Assert.True(expectations.Entries[1].IsWildcard);
    }

    /// <summary>Each committed profile, and whether its harness declares float64 (as its start reply does: docs/compatibility.json records it).</summary>
    public static TheoryData<string, bool> CommittedFiles => new()
    {
        { "conformance/harnesses/tfjs/expectations.json", false },
        { "conformance/harnesses/pytorch/expectations-pytorch-profile.json", true },
        { "conformance/harnesses/onnxruntime/expectations.json", true },
        { "conformance/harnesses/keras/expectations-keras3-profile.json", true },
    };

    /// <summary>
    /// CI runs TF.js with its expectations and needs exit 0; the peer scripts run PyTorch, ONNX Runtime and Keras with
    /// theirs. A wildcard entry that applied to a required case would now count it as failed; for a harness that
    /// declares float64, its float64 cases with only required features are required too.
    /// </summary>
    [Theory]
    [MemberData(nameof(CommittedFiles))]
    public void CommittedExpectations_WaiveRequiredCasesByExactIdOnly(string file, bool declaresFloat64)
    {
        Expectations expectations = Expectations.Load(Path.Combine(FixtureLocation.Directory, "..", file));

        List<string> waivedByWildcard = [.. FixtureLocation.Set.Manifest.Cases
            .Where(c => RequiredTier.IsRequired(c, declaresFloat64) && expectations.Match(c.Id) is { IsWildcard: true })
            .Select(c => c.Id)];
        Assert.Empty(waivedByWildcard);
        Assert.Empty(expectations.Stale(FixtureLocation.Set.Manifest.Cases.Select(c => c.Id)));
    }

    /// <summary>The float64 each profile's row says its harness declares, as the last peer run recorded it.</summary>
    [Theory]
    [MemberData(nameof(CommittedFiles))]
    public void CommittedFiles_DeclareFloat64AsTheirHarnessDoes(string file, bool declaresFloat64)
    {
        using var compatibility = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureLocation.Directory, "..", "docs", "compatibility.json")));
        System.Text.Json.JsonElement peer = compatibility.RootElement.GetProperty("peers").EnumerateArray().Single(p => p.GetProperty("profile").ValueKind == System.Text.Json.JsonValueKind.String && p.GetProperty("profile").GetString() == file);

        Assert.Equal(declaresFloat64, peer.GetProperty("dtypes").EnumerateArray().Any(d => d.GetString() == "float64"));
    }

    private string Write(string content)
    {
        string path = Path.Combine(_directory, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, content);
        return path;
    }
}
