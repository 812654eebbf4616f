using System.Globalization;
using System.Text;

namespace BatchNormAxis.Tests.Docs;

/// <summary>Compares the numbers a docs block prints for its output keys with recomputed values, to the printed precision.</summary>
internal static class PrintedComparison
{
    /// <summary>One line per disagreement (an unknown key, a count that differs, a number outside its printed precision); empty when all agree.</summary>
    public static string Failures(BnExample example, IEnumerable<string> claimedKeys, IReadOnlyDictionary<string, double[]> actual)
    {
        var failures = new StringBuilder();
        foreach (string key in claimedKeys)
        {
            if (!actual.TryGetValue(key, out double[]? values))
            {
                failures.AppendLine(CultureInfo.InvariantCulture, $"  unknown key '{key}': expected one of {string.Join(", ", actual.Keys)}");
                continue;
            }

            PrintedValue printed = example.Printed(key);
            if (printed.IsPrefix ? printed.Numbers.Count > values.Length : printed.Numbers.Count != values.Length)
            {
                failures.AppendLine(CultureInfo.InvariantCulture, $"  {key}: {printed.Numbers.Count} numbers printed, the computation gives {values.Length}: [{string.Join(", ", values.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)))}]");
                continue;
            }

            for (int i = 0; i < printed.Numbers.Count; i++)
            {
                if (!printed.Numbers[i].Matches(values[i]))
                {
                    failures.AppendLine(CultureInfo.InvariantCulture, $"  {key}[{i}]: printed {printed.Numbers[i].Text}, the computation gives {values[i].ToString("R", CultureInfo.InvariantCulture)} (allowed ±{printed.Numbers[i].Tolerance:G2})");
                }
            }
        }

        return failures.ToString();
    }
}
