namespace BatchNormAxis.Conformance.Running;

/// <summary>
/// Case-id patterns: <c>*</c> matches any run of characters, <c>?</c> one character, everything else itself.
/// Never a regular expression (ONNX Runtime's <c>"^test_batchnorm_*"</c> silently skipped a whole family).
/// </summary>
public static class Glob
{
    /// <summary>Whether a pattern has a wildcard (<c>*</c> or <c>?</c>), so it can match more than one id.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <returns>True for a glob, false for an exact id.</returns>
    public static bool HasWildcard(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return pattern.AsSpan().IndexOfAny('*', '?') >= 0;
    }

    /// <summary>Whether <paramref name="text"/> matches <paramref name="pattern"/> entirely.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <param name="text">The id.</param>
    /// <returns>True on a match.</returns>
    public static bool IsMatch(string pattern, string text)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(text);
        int p = 0;
        int t = 0;
        int starPattern = -1;
        int starText = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starPattern = p++;
                starText = t;
            }
            else if (starPattern >= 0)
            {
                p = starPattern + 1;
                t = ++starText;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
