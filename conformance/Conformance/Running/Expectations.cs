using System.Text.Json;
using System.Text.Unicode;
using BatchNormAxis.Conformance.Reports;

namespace BatchNormAxis.Conformance.Running;

/// <summary>What an implementer expects of a case: it fails (known, run anyway) or it is skipped (not run).</summary>
public enum ExpectationStatus
{
    /// <summary>Known to fail: run it; a failure is expected, a pass is reported as unexpected.</summary>
    Fail,

    /// <summary>Do not run it.</summary>
    Skip,
}

/// <summary>One entry of an expectations file.</summary>
/// <param name="Pattern">An id, or a glob of ids (<c>*</c>, <c>?</c>).</param>
/// <param name="Status">Fail or skip.</param>
/// <param name="Reason">Why, in the implementer's words (required).</param>
/// <param name="Url">An issue tracking it (optional).</param>
public sealed record Expectation(string Pattern, ExpectationStatus Status, string Reason, string? Url)
{
    /// <summary>Whether the pattern is a glob: such an entry may waive optional cases only, never a required one.</summary>
    public bool IsWildcard => Glob.HasWildcard(Pattern);
}

/// <summary>
/// An implementer's known failures (docs/protocol.md, "Expectations"): a JSON file
/// <c>{"expectations": [{"id": "...", "status": "fail" | "skip", "reason": "...", "url": "..."}]}</c>.
/// The first entry matching a case id applies. A wildcard entry does not waive a required case (the runner counts
/// such a case as failed), so an expectations file cannot make a non-conformant implementation look conformant.
/// </summary>
public sealed class Expectations
{
    /// <summary>The largest expectations file read (1 MiB): far more than an exact id for every case of the suite.</summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>The longest id or glob (case ids are under 60 characters); it also bounds the cost of matching a hostile glob.</summary>
    public const int MaxIdLength = 200;

    private Expectations(IReadOnlyList<Expectation> entries)
    {
        Entries = entries;
    }

    /// <summary>No expectations.</summary>
    public static Expectations None { get; } = new([]);

    /// <summary>The entries, in file order.</summary>
    public IReadOnlyList<Expectation> Entries { get; }

    /// <summary>Reads an expectations file, refusing anything but the documented format.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The expectations.</returns>
    /// <exception cref="FormatException">
    /// The file is missing, not a regular file, larger than <see cref="MaxFileBytes"/> or not JSON; the root is not an
    /// object with an <c>expectations</c> array; an entry is not an object, repeats a key, has an unknown key, or lacks a
    /// string id, a fail/skip status or a reason. The one-line message names the file, the entry and what was expected.
    /// </exception>
    public static Expectations Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string file = $"expectations file '{Shown(path)}'";
        byte[] bytes = ReadBounded(path, file);
        if (!Utf8.IsValid(bytes))
        {
            throw new FormatException($"{file} is not valid UTF-8: expected a UTF-8 JSON file");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException exception)
        {
            throw new FormatException($"{file} is not valid JSON ({ReportText.OneLine(exception.Message)})");
        }

        using (document)
        {
            return new Expectations(ReadEntries(document.RootElement, file));
        }
    }

    private static byte[] ReadBounded(string path, string file)
    {
        if (Directory.Exists(path))
        {
            throw new FormatException($"{file} is a directory: expected a JSON file");
        }

        FileInfo info;
        try
        {
            // A symbolic link is followed (the user named it), but checked as what it points to: its own length says nothing.
            info = new FileInfo(path);
            info = info.LinkTarget is null ? info : (FileInfo?)info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
        }
        catch (Exception exception) when (exception is IOException or ArgumentException)
        {
            // ArgumentException: a name the file system cannot hold, such as one with a NUL character.
            throw new FormatException($"{file} cannot be read: {ReportText.OneLine(exception.Message)}");
        }

        if (!info.Exists)
        {
            throw new FormatException($"{file} not found");
        }

        // A pipe or a device reports length 0 (and a pipe without a writer would block the open): only a regular file
        // with content is read. An empty regular file would not be valid JSON either.
        if (info.Length == 0)
        {
            throw new FormatException($"{file} is empty or not a regular file: expected a JSON file");
        }

        if (info.Length > MaxFileBytes)
        {
            throw new FormatException($"{file} is {info.Length} bytes: expected at most {MaxFileBytes} bytes (1 MiB)");
        }

        try
        {
            using FileStream stream = info.OpenRead();
            var buffer = new byte[MaxFileBytes + 1];
            int length = 0;
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
            }

            return length <= MaxFileBytes
                ? buffer[..length]
                : throw new FormatException($"{file} grew beyond {MaxFileBytes} bytes while being read: expected at most 1 MiB");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"{file} cannot be read: {ReportText.OneLine(exception.Message)}");
        }
    }

    private static List<Expectation> ReadEntries(JsonElement root, string file)
    {
        const string ExpectedRoot = "expected an object with an 'expectations' array";
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{file}: the root is {Kind(root)}: {ExpectedRoot}");
        }

        JsonElement? list = null;
        foreach (JsonProperty property in Properties(root, file))
        {
            list = property.Name switch
            {
                "expectations" => property.Value,
                "$schema" => list,
                _ => throw new FormatException($"{file}: unknown key '{Shown(property.Name)}' at the root: {ExpectedRoot} (and optionally '$schema')"),
            };
        }

        if (list is not { ValueKind: JsonValueKind.Array } array)
        {
            throw new FormatException($"{file}: 'expectations' is {(list is null ? "missing" : Kind(list.Value))}: {ExpectedRoot}");
        }

        var entries = new List<Expectation>(array.GetArrayLength());
        int index = 0;
        foreach (JsonElement entry in array.EnumerateArray())
        {
            entries.Add(ReadEntry(entry, $"{file}, entry {index++}"));
        }

        return entries;
    }

    private static Expectation ReadEntry(JsonElement entry, string where)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{where} is {Kind(entry)}: expected an object with id, status and reason (and optionally url)");
        }

        string? id = null;
        string? status = null;
        string? reason = null;
        string? url = null;
        foreach (JsonProperty property in Properties(entry, where))
        {
            string value = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw new FormatException($"{where}: '{Shown(property.Name)}' is {Kind(property.Value)}: expected a string");
            switch (property.Name)
            {
                case "id":
                    id = value;
                    break;
                case "status":
                    status = value;
                    break;
                case "reason":
                    reason = value;
                    break;
                case "url":
                    url = value;
                    break;
                default:
                    throw new FormatException($"{where}: unknown key '{Shown(property.Name)}': expected id, status, reason or url");
            }
        }

        if (string.IsNullOrEmpty(id))
        {
            throw new FormatException($"{where}: 'id' is {(id is null ? "missing" : "empty")}: expected a case id or a glob (* and ? only)");
        }

        if (id.Length > MaxIdLength)
        {
            throw new FormatException($"{where}: 'id' is {id.Length} characters: expected a case id or a glob of at most {MaxIdLength}");
        }

        where = $"{where} ('{Shown(id)}')";
        ExpectationStatus parsed = status switch
        {
            "fail" => ExpectationStatus.Fail,
            "skip" => ExpectationStatus.Skip,
            null => throw new FormatException($"{where}: 'status' is missing: expected fail or skip"),
            _ => throw new FormatException($"{where}: status '{Shown(status)}' is unknown: expected fail or skip"),
        };
        return string.IsNullOrWhiteSpace(reason)
            ? throw new FormatException($"{where}: 'reason' is {(reason is null ? "missing" : "blank")}: every expectation says why")
            : new Expectation(id, parsed, reason, url);
    }

    /// <summary>An object's properties, refusing a key given twice (JSON parsers disagree on which one wins).</summary>
    private static IEnumerable<JsonProperty> Properties(JsonElement element, string where)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            yield return seen.Add(property.Name)
                ? property
                : throw new FormatException($"{where}: key '{Shown(property.Name)}' appears twice: expected each key once");
        }
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {Shown(element.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {element.GetRawText()}",
        _ => "null",
    };

    /// <summary>A value from the file as it appears in a message: one neutralized line, cut at 80 characters.</summary>
    private static string Shown(string text)
    {
        string line = ReportText.OneLine(text);
        int cut = line.Length > 80 && char.IsHighSurrogate(line[79]) ? 79 : 80;
        return line.Length <= 80 ? line : string.Concat(line.AsSpan(0, cut), "...");
    }

    /// <summary>The first entry matching a case id, or null.</summary>
    /// <param name="id">The case id.</param>
    /// <returns>The entry.</returns>
    public Expectation? Match(string id) => Entries.FirstOrDefault(e => Glob.IsMatch(e.Pattern, id));

    /// <summary>Entries that match none of the given ids: stale, or misspelled.</summary>
    /// <param name="ids">Every case id of the suite.</param>
    /// <returns>The stale entries.</returns>
    public IReadOnlyList<Expectation> Stale(IEnumerable<string> ids)
    {
        List<string> all = [.. ids];
        return [.. Entries.Where(e => !all.Any(id => Glob.IsMatch(e.Pattern, id)))];
    }
}
