using System.Globalization;
using System.Text;

namespace BatchNormAxis.Conformance.Protocol;

/// <summary>
/// Bounds on the text a harness sends that is kept for the reports (docs/protocol.md, "Limits"): a harness that
/// answers with a 20 MB traceback costs a few kilobytes per case, not 20 MB.
/// </summary>
public static class HarnessText
{
    /// <summary>The most characters kept of a message, traceback, category, capability or URL.</summary>
    public const int MaxMessageChars = 8192;

    /// <summary>The most characters kept of the implementation's name, version and language.</summary>
    public const int MaxNameChars = 200;

    /// <summary>The most characters of a received line quoted in a protocol error.</summary>
    public const int MaxQuoteChars = 200;

    /// <summary>Keeps at most <paramref name="limit"/> characters, marking the cut.</summary>
    /// <param name="text">The text, or null.</param>
    /// <param name="limit">How many characters to keep.</param>
    /// <returns>The text, or its start followed by <c>… [N more characters cut]</c>; null for null.</returns>
    public static string? Bounded(string? text, int limit = MaxMessageChars)
    {
        if (text is null || text.Length <= limit)
        {
            return text;
        }

        // Never split a surrogate pair: the kept part stays valid UTF-16.
        int keep = char.IsHighSurrogate(text[limit - 1]) ? limit - 1 : limit;
        return string.Concat(text.AsSpan(0, keep), $"… [{(text.Length - keep).ToString(CultureInfo.InvariantCulture)} more characters cut]");
    }

    /// <summary>A received line for a one-line message: its start, control characters shown as <c>?</c>, and its length when cut.</summary>
    /// <param name="line">The line's bytes (UTF-8, possibly invalid).</param>
    /// <returns>The quote.</returns>
    public static string Quote(ReadOnlySpan<byte> line)
    {
        // 4 bytes per character at most: decoding this much is enough for the quote, however long the line.
        string start = Encoding.UTF8.GetString(line[..Math.Min(line.Length, (MaxQuoteChars * 4) + 4)]);
        return Quote(start, line.Length, "bytes");
    }

    /// <summary>A received text for a one-line message: its start, control characters shown as <c>?</c>, and its length when cut.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The quote.</returns>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Quote(text, text.Length, "characters");
    }

    private static string Quote(string start, long length, string unit)
    {
        var quote = new StringBuilder(MaxQuoteChars + 40);
        foreach (char c in start.AsSpan(0, Math.Min(start.Length, MaxQuoteChars)))
        {
            quote.Append(char.IsControl(c) ? '?' : c);
        }

        if (start.Length > MaxQuoteChars)
        {
            quote.Append(CultureInfo.InvariantCulture, $"... ({length} {unit})");
        }

        return quote.ToString();
    }
}
