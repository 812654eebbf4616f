using System.Globalization;

namespace BatchNormAxis.FixtureGenerator;

/// <summary>How closely the two oracles agreed, per case family: reported after a run, so the margin is visible.</summary>
internal sealed class OracleAgreement
{
    private readonly SortedDictionary<string, (double Difference, string DifferenceAt, double Share, string ShareAt)> _byFamily = new(StringComparer.Ordinal);

    /// <summary>Records one finite element compared: |A - B| and its share of the allowed float64 bound.</summary>
    public void Record(CaseSpec spec, string output, int index, double difference, double allowed)
    {
        string where = $"{spec.Id} {output}[{index}]";
        double share = allowed > 0 ? difference / allowed : 0;
        (double Difference, string DifferenceAt, double Share, string ShareAt) worst = _byFamily.GetValueOrDefault(spec.Family, (0, "-", 0, "-"));
        if (difference > worst.Difference)
        {
            worst = (difference, where, worst.Share, worst.ShareAt);
        }

        if (share > worst.Share)
        {
            worst = (worst.Difference, worst.DifferenceAt, share, where);
        }

        _byFamily[spec.Family] = worst;
    }

    /// <summary>One line per family.</summary>
    public IEnumerable<string> Lines() => _byFamily.Select(f => string.Create(
        CultureInfo.InvariantCulture,
        $"  {f.Key}: largest |NumPy - decimal| {f.Value.Difference:G3} ({f.Value.DifferenceAt}); largest share of the allowed float64 bound {f.Value.Share:G3} ({f.Value.ShareAt})"));
}
