using System.Text.Json;

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
public sealed record Expectation(string Pattern, ExpectationStatus Status, string Reason, string? Url);

/// <summary>
/// An implementer's known failures (docs/protocol.md, "Expectations"): a JSON file
/// <c>{"expectations": [{"id": "...", "status": "fail" | "skip", "reason": "...", "url": "..."}]}</c>.
/// The first entry matching a case id applies.
/// </summary>
public sealed class Expectations
{
    private Expectations(IReadOnlyList<Expectation> entries)
    {
        Entries = entries;
    }

    /// <summary>No expectations.</summary>
    public static Expectations None { get; } = new([]);

    /// <summary>The entries, in file order.</summary>
    public IReadOnlyList<Expectation> Entries { get; }

    /// <summary>Reads an expectations file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The expectations.</returns>
    /// <exception cref="FormatException">The file is missing, not JSON, or an entry lacks an id, a valid status or a reason; the message names the entry.</exception>
    public static Expectations Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FormatException($"expectations file '{path}' not found");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException exception)
        {
            throw new FormatException($"expectations file '{path}' is not valid JSON ({exception.Message})");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("expectations", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"expectations file '{path}' must be an object with an 'expectations' array");
            }

            var entries = new List<Expectation>();
            int index = 0;
            foreach (JsonElement entry in list.EnumerateArray())
            {
                string where = $"expectations file '{path}', entry {index++}";
                string id = entry.TryGetProperty("id", out JsonElement idElement) && idElement.ValueKind == JsonValueKind.String && idElement.GetString()!.Length > 0
                    ? idElement.GetString()!
                    : throw new FormatException($"{where}: 'id' is missing: expected a case id or a glob (* and ? only)");
                ExpectationStatus status = (entry.TryGetProperty("status", out JsonElement statusElement) ? statusElement.GetString() : null) switch
                {
                    "fail" => ExpectationStatus.Fail,
                    "skip" => ExpectationStatus.Skip,
                    string other => throw new FormatException($"{where} ({id}): status '{other}' is unknown: expected fail or skip"),
                    null => throw new FormatException($"{where} ({id}): 'status' is missing: expected fail or skip"),
                };
                string reason = entry.TryGetProperty("reason", out JsonElement reasonElement) && reasonElement.ValueKind == JsonValueKind.String && reasonElement.GetString()!.Trim().Length > 0
                    ? reasonElement.GetString()!
                    : throw new FormatException($"{where} ({id}): 'reason' is missing: every expectation says why");
                string? url = entry.TryGetProperty("url", out JsonElement urlElement) ? urlElement.GetString() : null;
                entries.Add(new Expectation(id, status, reason, url));
            }

            return new Expectations(entries);
        }
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
