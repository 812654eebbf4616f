using System.Globalization;
using System.Text;

namespace BatchNormAxis.Conformance;

/// <summary>
/// Makes text from a file, a peer or the command line safe to put in a one-line message: line breaks and tabs are
/// written as <c>\n</c>, <c>\r</c>, <c>\t</c>, every other control character (ESC, NUL, C1 controls) and the Unicode
/// line and paragraph separators as <c>\uXXXX</c>, and overly long text is cut with a marker. The one rule for every
/// one-line message bnaxis prints (reports of harness text follow <c>ReportText</c>).
/// </summary>
public static class OneLine
{
    /// <summary>How many characters of a quoted value are kept.</summary>
    public const int MaxQuotedLength = 80;

    private const int MaxNameLength = 200;
    private const int MaxTextLength = 1000;

    /// <summary>
    /// Escapes the control characters of <paramref name="text"/> and keeps at most <paramref name="maxLength"/> of its
    /// characters, saying how long it was when cut.
    /// </summary>
    /// <param name="text">Any text.</param>
    /// <param name="maxLength">The most characters kept.</param>
    /// <returns>The text on one line.</returns>
    public static string Clean(string text, int maxLength)
    {
        // Never cut between the two halves of a surrogate pair: half a character is invalid UTF-16.
        int keep = text.Length <= maxLength ? text.Length : char.IsHighSurrogate(text[maxLength - 1]) ? maxLength - 1 : maxLength;
        string kept = text[..keep];
        string escaped = Escape(kept);
        return kept.Length == text.Length ? escaped : $"{escaped}… ({text.Length} characters)";
    }

    /// <summary>A message about a fixture file: <c>path (case id): text</c>, each part cleaned and bounded.</summary>
    /// <param name="path">The file.</param>
    /// <param name="caseId">The case, when known.</param>
    /// <param name="text">What is said about it.</param>
    /// <returns>One line.</returns>
    public static string About(string path, string? caseId, string text) => caseId is null
        ? $"{Clean(path, MaxNameLength)}: {Clean(text, MaxTextLength)}"
        : $"{Clean(path, MaxNameLength)} (case {Clean(caseId, MaxNameLength)}): {Clean(text, MaxTextLength)}";

    /// <summary>A value as it appears in a message: in single quotes, cleaned, at most <see cref="MaxQuotedLength"/> characters.</summary>
    /// <param name="text">The value.</param>
    /// <returns>The quoted value.</returns>
    public static string Quote(string text) => $"'{Clean(text, MaxQuotedLength)}'";

    /// <summary>The text with its control characters and line separators escaped, so a message stays one line and no escape sequence reaches a terminal.</summary>
    /// <param name="text">Any text.</param>
    /// <returns>The escaped text (the same instance when nothing needed escaping).</returns>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(NeedsEscape))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when NeedsEscape(c) => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    private static bool NeedsEscape(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
