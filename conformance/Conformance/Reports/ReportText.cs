using System.Globalization;
using System.Text;

namespace BatchNormAxis.Conformance.Reports;

/// <summary>
/// The one rule for showing text a harness sent (its name and version, messages, tracebacks, stderr) in any report:
/// a character that could act on a terminal, break an XML or HTML parser or hide what it shows is written as its code,
/// <c>\xHH</c> below U+0100 (ESC is <c>\x1b</c>) and <c>\uHHHH</c> above. Everything else, astral characters too,
/// stays itself. The console, HTML, JUnit and JSON reports all apply it, so one message reads the same in each.
/// </summary>
public static class ReportText
{
    /// <summary>Neutralizes a text, keeping its tabs and line breaks (for report bodies: messages, tracebacks, stderr).</summary>
    /// <param name="text">The text, or null.</param>
    /// <returns>The neutralized text; empty for null.</returns>
    public static string Neutralize(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        int first = FirstUnsafe(text);
        if (first < 0)
        {
            return text;
        }

        var result = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                result.Append(c).Append(text[++i]);
            }
            else if (IsUnsafe(c))
            {
                result.Append(c < 0x100 ? "\\x" : "\\u").Append(((int)c).ToString(c < 0x100 ? "x2" : "x4", CultureInfo.InvariantCulture));
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    /// <summary>Neutralizes a text and puts it on one line, line breaks shown as <c> | </c> (for the console and attributes).</summary>
    /// <param name="text">The text, or null.</param>
    /// <returns>One neutralized line; empty for null.</returns>
    public static string OneLine(string? text) => Neutralize((text ?? "").ReplaceLineEndings(" | "));

    /// <summary>
    /// Whether a character (not part of a surrogate pair) is shown as its code: C0 controls but tab, line feed and
    /// carriage return, DEL, C1 controls, lone surrogates, the noncharacters U+FFFE and U+FFFF (XML 1.0 forbids
    /// them), and the bidirectional overrides and isolates that can make a line read differently from what it holds.
    /// </summary>
    private static bool IsUnsafe(char c) =>
        (c < ' ' && c is not ('\t' or '\n' or '\r'))
        || c is >= '\u007f' and <= '\u009f'
        || char.IsSurrogate(c)
        || c is '\ufffe' or '\uffff'
        || c is >= '\u202a' and <= '\u202e'
        || c is >= '\u2066' and <= '\u2069';

    private static int FirstUnsafe(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (IsUnsafe(c))
            {
                return i;
            }
        }

        return -1;
    }
}
