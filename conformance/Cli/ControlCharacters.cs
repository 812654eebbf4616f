using System.Globalization;
using System.Text;

namespace BatchNormAxis.Cli;

/// <summary>Text from outside (paths, exception messages) made safe for a one-line message on a terminal.</summary>
internal static class ControlCharacters
{
    /// <summary>Every control character (line breaks, ESC, NUL, C1) as a visible <c>\xNN</c> escape.</summary>
    public static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (char.IsControl(c))
            {
                escaped.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    /// <summary>A value from the command line, quoted and escaped, for a one-line message: <c>'bad\x0Aname'</c>.</summary>
    public static string Quoted(string text) => $"'{Escape(text)}'";
}
