using System.Globalization;
using System.Text.RegularExpressions;

namespace BatchNormAxis.Tests.Docs;

/// <summary>
/// A number as printed in the docs, with the precision it was printed to: <c>1.2245</c> claims the value to within
/// 0.5e-4, <c>4.77e-7</c> to within 0.5e-9, and an integer such as <c>3</c> or <c>-8</c> claims it exactly.
/// </summary>
internal readonly record struct PrintedNumber(string Text, double Value, double Tolerance)
{
    public static PrintedNumber Parse(string text)
    {
        double value = text.ToLowerInvariant() switch
        {
            "nan" => double.NaN,
            "inf" or "+inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        string mantissa = text.Split('e', 'E')[0];
        int exponent = text.Contains('e', StringComparison.OrdinalIgnoreCase)
            ? int.Parse(text.Split('e', 'E')[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
            : 0;
        int dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        double tolerance = dot < 0 && exponent == 0
            ? 1e-12 * Math.Max(1, Math.Abs(value)) // an integer is a claim of an exact value
            : 0.5 * Math.Pow(10, exponent - (dot < 0 ? 0 : mantissa.Length - dot - 1));
        return new PrintedNumber(text, value, tolerance);
    }

    public bool Matches(double actual) =>
        double.IsNaN(Value) ? double.IsNaN(actual)
        : double.IsInfinity(Value) ? Value == actual
        : Math.Abs(actual - Value) <= Tolerance;
}

/// <summary>A printed value: its numbers in order (nested lists flattened row-major), and whether it ends in <c>...</c> (a prefix).</summary>
internal sealed record PrintedValue(string Text, IReadOnlyList<PrintedNumber> Numbers, bool IsPrefix);

/// <summary>
/// One <c>bn-example</c> block: a small machine-readable spec of a layer call, as <c>key: value</c> lines. Inputs
/// (<c>shape</c>, <c>axis</c>, <c>mode</c>, <c>x</c>, weights, hyperparameters) say what to run; every other key is
/// an output the test recomputes with the reference and compares to the printed precision. <c>#</c> starts a comment;
/// an indented line continues the previous value.
/// </summary>
internal sealed partial class BnExample
{
    /// <summary>The keys that describe the call; everything else is a claimed output.</summary>
    public static readonly IReadOnlySet<string> InputKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "shape", "axis", "mode", "dtype", "x", "gamma", "beta", "moving_mean", "moving_variance", "momentum", "epsilon",
        "center", "scale", "mask", "calls",
    };

    private BnExample(IReadOnlyDictionary<string, string> values) => Values = values;

    /// <summary>The raw text of every key, comments removed, continuation lines joined.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    public IEnumerable<string> OutputKeys => Values.Keys.Where(key => !InputKeys.Contains(key));

    public static BnExample Parse(string body)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        foreach (string rawLine in body.Split('\n'))
        {
            int hash = rawLine.IndexOf('#', StringComparison.Ordinal);
            string line = hash < 0 ? rawLine : rawLine[..hash];
            if (line.Trim().Length == 0)
            {
                continue;
            }

            Match keyed = KeyLine().Match(line);
            if (keyed.Success)
            {
                current = keyed.Groups["key"].Value;
                if (!values.TryAdd(current, keyed.Groups["value"].Value.Trim()))
                {
                    throw new FormatException($"key '{current}' appears twice");
                }
            }
            else if (current is not null && char.IsWhiteSpace(line[0]))
            {
                values[current] += " " + line.Trim();
            }
            else
            {
                throw new FormatException($"cannot read line '{rawLine}': expected 'key: value' or an indented continuation");
            }
        }

        return new BnExample(values);
    }

    public bool Has(string key) => Values.ContainsKey(key);

    public string Text(string key) =>
        Values.TryGetValue(key, out string? text) ? text : throw new FormatException($"missing key '{key}'");

    public PrintedValue Printed(string key)
    {
        string text = Text(key);
        bool isPrefix = text.Replace(" ", "", StringComparison.Ordinal).TrimEnd(']', ')').EndsWith("...", StringComparison.Ordinal);
        if (text.Contains("...", StringComparison.Ordinal) && !isPrefix)
        {
            throw new FormatException($"'{key}: {text}': '...' may only end a list");
        }

        PrintedNumber[] numbers = [.. NumberToken().Matches(text).Select(match => PrintedNumber.Parse(match.Value))];
        return new PrintedValue(text, numbers, isPrefix);
    }

    public double[] Numbers(string key) => [.. Printed(key).Numbers.Select(number => number.Value)];

    public int[] Integers(string key) => [.. Numbers(key).Select(value => checked((int)value))];

    public double Scalar(string key, double fallback) => Has(key) ? Numbers(key).Single() : fallback;

    /// <summary>An axis as <c>bnaxis explain</c> spells it: <c>-1</c>, or a list <c>[1, 2, 3]</c> / <c>1,2,3</c>.</summary>
    public static AxisSpec ParseAxis(string text)
    {
        string trimmed = text.Trim();
        int[] axes = [.. NumberToken().Matches(trimmed).Select(match => int.Parse(match.Value, CultureInfo.InvariantCulture))];
        bool isList = trimmed.StartsWith('[') || trimmed.StartsWith('(') || trimmed.Contains(',', StringComparison.Ordinal);
        return isList ? AxisSpec.List(axes) : AxisSpec.Of(axes.Single());
    }

    /// <summary>
    /// The input values: a list of numbers, or <c>arange(n)</c> optionally scaled and shifted,
    /// <c>arange(24) * 0.5 - 3</c> (NumPy's spelling, row-major).
    /// </summary>
    public double[] Input(string key)
    {
        Match arange = Arange().Match(Text(key));
        if (!arange.Success)
        {
            return Numbers(key);
        }

        int count = int.Parse(arange.Groups["n"].Value, CultureInfo.InvariantCulture);
        double factor = arange.Groups["factor"].Success ? double.Parse(arange.Groups["factor"].Value, CultureInfo.InvariantCulture) : 1;
        double shift = arange.Groups["shift"].Success ? double.Parse(arange.Groups["shift"].Value.Replace(" ", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) : 0;
        return [.. Enumerable.Range(0, count).Select(i => (i * factor) + shift)];
    }

    [GeneratedRegex(@"^(?<key>[a-z][a-z0-9_]*):(?<value>.*)$")]
    private static partial Regex KeyLine();

    [GeneratedRegex(@"(?<![\w.])[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|(?<![\w])[-+]?(?:nan|inf)(?![\w])", RegexOptions.IgnoreCase)]
    private static partial Regex NumberToken();

    [GeneratedRegex(@"^arange\((?<n>\d+)\)(?:\s*\*\s*(?<factor>[-+]?[\d.]+))?(?:\s*(?<shift>[-+]\s*[\d.]+))?$")]
    private static partial Regex Arange();
}
