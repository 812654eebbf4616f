using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace BatchNormAxis.DocsSite;

/// <summary>
/// Build-time syntax highlighting for the languages the docs use: comments, strings, numbers, keywords and JSON
/// keys become <c>&lt;span class="tok-…"&gt;</c>, so the site needs no script and no network to show colours.
/// Unknown languages (and <c>text</c>) are escaped only.
/// </summary>
internal static partial class SyntaxHighlighter
{
    private static readonly Dictionary<string, Regex> s_languages = new(StringComparer.OrdinalIgnoreCase)
    {
        ["csharp"] = CSharp(),
        ["cs"] = CSharp(),
        ["c#"] = CSharp(),
        ["js"] = JavaScript(),
        ["javascript"] = JavaScript(),
        ["mjs"] = JavaScript(),
        ["json"] = Json(),
        ["python"] = Python(),
        ["py"] = Python(),
        ["sh"] = Shell(),
        ["bash"] = Shell(),
        ["shell"] = Shell(),
        ["console"] = Shell(),
    };

    /// <summary>True when <paramref name="language"/> gets colours; false for plain escaping.</summary>
    public static bool Supports(string language) => s_languages.ContainsKey(language);

    /// <summary>HTML for the inside of a <c>&lt;code&gt;</c> element.</summary>
    public static string Highlight(string code, string language)
    {
        if (!s_languages.TryGetValue(language, out Regex? tokens))
        {
            return WebUtility.HtmlEncode(code);
        }

        StringBuilder html = new();
        int position = 0;
        foreach (Match match in tokens.Matches(code))
        {
            html.Append(WebUtility.HtmlEncode(code[position..match.Index]));
            string kind = match.Groups["c"].Success ? "c"
                : match.Groups["k"].Success ? "k"
                : match.Groups["p"].Success ? "p"
                : match.Groups["s"].Success ? "s"
                : "n";
            html.Append("<span class=\"tok-").Append(kind).Append("\">").Append(WebUtility.HtmlEncode(match.Value)).Append("</span>");
            position = match.Index + match.Length;
        }

        html.Append(WebUtility.HtmlEncode(code[position..]));
        return html.ToString();
    }

    // One alternation per language; the group that matched names the token class (c comment, s string,
    // p JSON key, k keyword, n number). Comments come first so a quote inside a comment stays a comment.
    private const string DoubleQuoted = """
        "(?:\\.|[^"\\\n])*"
        """;

    private const string SingleQuoted = """
        '(?:\\.|[^'\\\n])*'
        """;

    private const string Number = @"\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b";

    [GeneratedRegex(@"(?<c>//[^\n]*|/\*[\s\S]*?\*/)|(?<s>@?" + DoubleQuoted + "|" + SingleQuoted + @")|(?<k>\b(?:using|namespace|class|record|struct|interface|public|private|internal|protected|static|readonly|sealed|new|return|if|else|for|foreach|in|while|var|void|int|long|float|double|bool|string|true|false|null|throw|try|catch|this|params|out|ref)\b)|(?<n>" + Number + ")")]
    private static partial Regex CSharp();

    [GeneratedRegex(@"(?<c>//[^\n]*|/\*[\s\S]*?\*/)|(?<s>" + DoubleQuoted + "|" + SingleQuoted + @"|`[^`]*`)|(?<k>\b(?:const|let|var|function|return|if|else|for|of|in|while|new|import|export|from|await|async|class|true|false|null|undefined|throw|try|catch)\b)|(?<n>" + Number + ")")]
    private static partial Regex JavaScript();

    [GeneratedRegex(@"(?<p>" + DoubleQuoted + @"(?=\s*:))|(?<s>" + DoubleQuoted + @")|(?<k>\b(?:true|false|null)\b)|(?<n>-?" + Number + ")")]
    private static partial Regex Json();

    [GeneratedRegex(@"(?<c>#[^\n]*)|(?<s>" + DoubleQuoted + "|" + SingleQuoted + @")|(?<k>\b(?:import|from|as|def|class|return|if|elif|else|for|in|while|with|None|True|False|and|or|not|lambda|pass|raise|try|except)\b)|(?<n>" + Number + ")")]
    private static partial Regex Python();

    [GeneratedRegex(@"(?<c>(?<=^|[ \t])#[^\n]*)|(?<s>" + DoubleQuoted + "|" + SingleQuoted + @")|(?<k>(?<=^|[\s;|&(])(?:dotnet|npm|node|git|cd|echo|export|if|then|fi|for|do|done|apt-get|bash|sudo)\b)", RegexOptions.Multiline)]
    private static partial Regex Shell();
}
