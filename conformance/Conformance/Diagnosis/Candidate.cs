using System.Collections.Immutable;

namespace BatchNormAxis.Conformance.Diagnosis;

/// <summary>
/// One explanation the diagnosis tries: a mistake (or two), the variant that makes it, and, for a wrong set of
/// reduction axes, which axes the statistics keep.
/// </summary>
/// <param name="Convention">The mistake named if this candidate explains the failure.</param>
/// <param name="Also">A second mistake made together with the first, if any.</param>
/// <param name="Variant">The computation with the mistake.</param>
/// <param name="Axes">For axis readings: the axes the statistics are taken over (reduced); empty otherwise.</param>
internal sealed record Candidate(WrongConvention Convention, WrongConvention? Also, ConventionVariant Variant, ImmutableArray<int> Axes)
{
    /// <summary>What the candidate claims: two candidates with the same identity need not be told apart.</summary>
    public string Identity => WrongConventions.Name(Convention) + (Also is { } also ? "+" + WrongConventions.Name(also) : "") + (Convention == WrongConvention.WrongReductionAxes ? $"({string.Join(",", Axes)})" : "");

    /// <summary>Whether the candidate computes float64 data in float32 (matched with float32's error model).</summary>
    public bool InFloat32 => Convention == WrongConvention.Float64ComputedInFloat32 || Also == WrongConvention.Float64ComputedInFloat32;

    /// <summary>The channel count of the candidate's statistics, when it differs from the layer's (a wrong axis set).</summary>
    public int? StatisticChannels { get; init; }

    /// <summary>The single-mistake candidates: every known convention, and every other set of axes to keep for the statistics.</summary>
    /// <param name="layout">The case's layout.</param>
    /// <returns>The candidates.</returns>
    public static IEnumerable<Candidate> Singles(AxisResolution layout)
    {
        foreach (WrongConvention convention in Enum.GetValues<WrongConvention>().Where(c => c != WrongConvention.WrongReductionAxes))
        {
            yield return new Candidate(convention, null, new ConventionVariant(convention), []);
        }

        // A converter that only swaps the gradients it reports (the weights themselves read right).
        yield return new Candidate(WrongConvention.GammaBetaSwapped, null, new ConventionVariant(WrongConvention.GammaBetaSwapped) { GradientsOnly = true }, []);
        foreach (Candidate axes in AxisSets(layout))
        {
            yield return axes;
        }
    }

    /// <summary>
    /// Every set of kept axes but Keras' own for rank up to 6, each named: the reduced axes swapped with the kept ones
    /// is <see cref="WrongConvention.InvertedAxisMeaning"/> (tried as its own variant), the kept axes mirrored is
    /// <see cref="WrongConvention.AxisFromWrongEnd"/>, any other is <see cref="WrongConvention.WrongReductionAxes"/>.
    /// </summary>
    private static IEnumerable<Candidate> AxisSets(AxisResolution layout)
    {
        if (layout.Rank > 6)
        {
            yield break;
        }

        int[] mirrored = [.. layout.KeptAxes.Select(a => layout.Rank - 1 - a).Order()];
        for (int bits = 0; bits < 1 << layout.Rank; bits++)
        {
            int[] kept = [.. Enumerable.Range(0, layout.Rank).Where(a => (bits & (1 << a)) != 0)];
            // Keras' own axes are no mistake; the reduced ones kept are inverted_axis_meaning's own variant (which with
            // every axis kept has nothing to swap: statistics over every axis are then tried here).
            if (kept.SequenceEqual(layout.KeptAxes) || (!layout.ReductionAxes.IsEmpty && kept.SequenceEqual(layout.ReductionAxes)))
            {
                continue;
            }

            int channels = kept.Aggregate(1, (product, a) => product * layout.Shape[a]);
            WrongConvention convention = kept.SequenceEqual(mirrored) ? WrongConvention.AxisFromWrongEnd : WrongConvention.WrongReductionAxes;
            ImmutableArray<int> reduced = [.. Enumerable.Range(0, layout.Rank).Where(a => !kept.Contains(a))];
            yield return new Candidate(convention, null, new ConventionVariant(WrongConvention.WrongReductionAxes) { StatisticKeptAxes = [.. kept] }, reduced)
            {
                StatisticChannels = channels == layout.ChannelCount ? null : channels,
            };
        }
    }

    /// <summary>The axes in words: "statistics over axes (0, 1, 2, 3): every axis".</summary>
    /// <param name="rank">The case's rank.</param>
    /// <returns>The description, or an empty string for a candidate without axes.</returns>
    public string AxesInWords(int rank)
    {
        if (Axes.IsEmpty)
        {
            return "";
        }

        string what = Axes.Length == rank ? ": every axis" : Convention == WrongConvention.AxisFromWrongEnd ? ": the axis counted from the other end" : "";
        return $"statistics over axes ({string.Join(", ", Axes)}){what}";
    }
}
