using System.Globalization;

namespace BatchNormAxis.Explain;

/// <summary>
/// Parses the values users type for <c>--shape</c> and <c>--axis</c>. Both are comma-separated integers;
/// Python-style brackets and parentheses are accepted, so a shape or axis can be pasted from Python.
/// </summary>
public static class CommandLineValues
{
    /// <summary>
    /// <c>8,32,32,3</c>, <c>(8, 32, 32, 3)</c> or <c>[8,32,32,3]</c>; <c>()</c> or an empty string is rank 0.
    /// Negative dimensions parse and are rejected by the library with its own message.
    /// </summary>
    /// <param name="text">The value typed for <c>--shape</c>.</param>
    /// <returns>The dimensions.</returns>
    /// <exception cref="CommandLineValueException">An entry is empty, not a whole number or does not fit an <see cref="int"/>.</exception>
    public static int[] ParseShape(string text)
    {
        string inner = StripBrackets(text.Trim());
        if (inner.Length == 0)
        {
            return [];
        }

        // Python writes a rank-1 shape as (5,): allow that one trailing comma.
        if (inner.EndsWith(',') && inner.IndexOf(',', StringComparison.Ordinal) == inner.Length - 1)
        {
            inner = inner[..^1];
        }

        return ParseIntegers(inner, "--shape", text, "comma-separated dimensions such as 8,32,32,3");
    }

    /// <summary>
    /// <c>-1</c> is the integer spelling; <c>1,2,3</c>, <c>[1, 2, 3]</c>, <c>[1]</c> and <c>[]</c> are the tf.keras list spelling.
    /// </summary>
    /// <param name="text">The value typed for <c>--axis</c>.</param>
    /// <returns>The axis argument; range is checked later, against the shape.</returns>
    /// <exception cref="CommandLineValueException">An entry is empty, not a whole number or does not fit an <see cref="int"/>.</exception>
    public static AxisSpec ParseAxis(string text)
    {
        string trimmed = text.Trim();
        bool bracketed = trimmed.StartsWith('[') || trimmed.StartsWith('(');
        string inner = StripBrackets(trimmed);
        if (bracketed && inner.Length == 0)
        {
            return AxisSpec.List();
        }

        int[] values = ParseIntegers(inner, "--axis", text, "an integer such as -1, or a list such as 1,2,3");
        return bracketed || values.Length > 1 ? AxisSpec.List(values) : AxisSpec.Of(values[0]);
    }

    /// <summary>Characters of a typed value a message quotes; the rest is counted, not shown.</summary>
    public const int EchoedCharacters = 100;

    /// <summary>
    /// A value the user typed, as a one-line message quotes it: <see cref="Escape"/>d, and cut after
    /// <see cref="EchoedCharacters"/> characters, so a megabyte response file does not come back as a megabyte message.
    /// </summary>
    /// <param name="value">The typed value.</param>
    /// <returns>The value as a message shows it, without quotes.</returns>
    public static string Echo(string value)
    {
        // Cut before a surrogate pair rather than through it.
        int shown = Math.Min(value.Length, EchoedCharacters);
        if (shown < value.Length && char.IsHighSurrogate(value[shown - 1]))
        {
            shown--;
        }

        return shown < value.Length
            ? Escape(value[..shown]) + string.Create(CultureInfo.InvariantCulture, $"... ({value.Length} characters)")
            : Escape(value);
    }

    /// <summary>A value from outside (a path, a pattern), quoted and escaped for a one-line message: <c>'bad\nname'</c>.</summary>
    /// <param name="text">The value.</param>
    /// <returns>The value in single quotes, on one line.</returns>
    public static string Quoted(string text) => $"'{Escape(text)}'";

    /// <summary>
    /// Text with its control characters and line separators escaped (<c>\n</c>, <c>\u001B</c>), so a message stays
    /// one line and no escape sequence typed on the command line reaches the terminal.
    /// </summary>
    /// <param name="text">Any text.</param>
    /// <returns>The escaped text.</returns>
    public static string Escape(string text) => Conformance.OneLine.Escape(text);

    private static string StripBrackets(string text)
    {
        bool wrapped = text.Length >= 2
            && ((text[0] == '(' && text[^1] == ')') || (text[0] == '[' && text[^1] == ']'));
        return wrapped ? text[1..^1].Trim() : text;
    }

    private static int[] ParseIntegers(string inner, string optionName, string original, string expected)
    {
        string[] parts = inner.Split(',');
        int[] values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            string part = parts[i].Trim();
            if (long.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)
                && value >= int.MinValue && value <= int.MaxValue)
            {
                values[i] = (int)value;
                continue;
            }

            string problem = long.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) || IsAllDigits(part)
                ? "does not fit a 32-bit integer"
                : "is not a whole number";
            // Name the typed value once: a single entry is the value itself, so only an entry of a list is quoted apart.
            string message = part.Length == 0
                ? $"{optionName} '{Echo(original)}' has an empty entry"
                : parts.Length == 1
                    ? $"{optionName} '{Echo(original)}' {problem}"
                    : $"{optionName} '{Echo(original)}' has '{Echo(part)}', which {problem}";
            throw new CommandLineValueException($"{message}: expected {expected}");
        }

        return values;
    }

    private static bool IsAllDigits(string text)
    {
        string digits = text.TrimStart('-', '+');
        return digits.Length > 0 && digits.All(char.IsAsciiDigit);
    }
}
