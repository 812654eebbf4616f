using System.Globalization;

namespace BatchNormAxis.Conformance;

/// <summary>How one output compared with its expectation: pass or not, and its worst element.</summary>
/// <param name="Name">The output, e.g. <c>y</c> or <c>steps[2].moving_mean</c>.</param>
/// <param name="Passed">Every element within tolerance (NaN where NaN is expected, infinities exact).</param>
/// <param name="WorstIndex">The element whose error is largest relative to its tolerance.</param>
/// <param name="Reference">The oracle value there.</param>
/// <param name="Actual">The implementation's value there.</param>
/// <param name="Tolerance">The tolerance there.</param>
/// <param name="ErrorUlps">The error there, in ULPs of the output dtype at the reference.</param>
/// <param name="WorstRatio">|actual - reference| / tolerance there: at most 1 to pass; +inf for a NaN or infinity mismatch.</param>
public sealed record OutputComparison(string Name, bool Passed, int WorstIndex, double Reference, double Actual, double Tolerance, double ErrorUlps, double WorstRatio)
{
    /// <summary>The comparison rule of docs/tolerance.md, element by element.</summary>
    /// <param name="name">The output's name.</param>
    /// <param name="expected">The expectation.</param>
    /// <param name="actual">The implementation's values.</param>
    /// <returns>The comparison.</returns>
    public static OutputComparison Compare(string name, ExpectedTensor expected, double[] actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (actual.Length != expected.Reference.Length)
        {
            return new OutputComparison(name, false, -1, double.NaN, double.NaN, 0, double.PositiveInfinity, double.PositiveInfinity);
        }

        int worst = 0;
        double worstRatio = -1;
        bool passed = true;
        for (int i = 0; i < actual.Length; i++)
        {
            double ratio = ExcessRatio(expected.Reference[i], actual[i], expected.Tolerance[i]);
            passed &= ratio <= 1;
            if (ratio > worstRatio)
            {
                (worst, worstRatio) = (i, ratio);
            }
        }

        double reference = expected.Reference[worst];
        double value = actual[worst];
        double ulps = double.IsFinite(reference) && double.IsFinite(value) ? Math.Abs(value - reference) / DTypes.Ulp(expected.DType, reference) : double.PositiveInfinity;
        return new OutputComparison(name, passed, worst, reference, value, expected.Tolerance[worst], ulps, worstRatio);
    }

    /// <summary>|actual - reference| / tolerance, with 0 for a match and +inf for a mismatch of NaN or infinity.</summary>
    private static double ExcessRatio(double reference, double actual, double tolerance)
    {
        // An infinite reference also accepts NaN: one-pass algorithms meet inf - inf where two-pass ones do not
        // (Welford's running mean of [inf, 1] is inf + (1 - inf) / 2 = NaN), and both are correct.
        if (double.IsInfinity(reference))
        {
            return reference == actual || double.IsNaN(actual) ? 0 : double.PositiveInfinity;
        }

        if (double.IsNaN(reference) || double.IsNaN(actual) || double.IsInfinity(actual))
        {
            return double.IsNaN(reference) && double.IsNaN(actual) ? 0 : double.PositiveInfinity;
        }

        double error = Math.Abs(actual - reference);
        return error == 0 ? 0 : tolerance > 0 ? error / tolerance : double.PositiveInfinity;
    }

    /// <summary>One line for a failure report.</summary>
    /// <returns>The description.</returns>
    /// <remarks>
    /// A NaN or an infinity on either side has no error in ULPs and no ratio to the tolerance worth printing
    /// ("NaN = Infinity ULP" says nothing true), so those lines name the two values only.
    /// </remarks>
    public override string ToString()
    {
        if (WorstIndex < 0)
        {
            return $"{Name}: wrong number of elements";
        }

        string at = $"{Name}[{WorstIndex}]";
        if (double.IsNaN(Actual) && !double.IsNaN(Reference))
        {
            return $"{at}: NaN where {Number(Reference)} was expected";
        }

        if (!double.IsFinite(Actual) || !double.IsFinite(Reference))
        {
            return $"{at}: expected {Number(Reference)}, got {Number(Actual)}";
        }

        string error = $"{at}: expected {Number(Reference)}, got {Number(Actual)}; error {Math.Abs(Actual - Reference).ToString("G3", CultureInfo.InvariantCulture)} = {ErrorUlps.ToString("G3", CultureInfo.InvariantCulture)} ULP";
        return Tolerance > 0
            ? $"{error} = {WorstRatio.ToString("G3", CultureInfo.InvariantCulture)}x the tolerance {Tolerance.ToString("G3", CultureInfo.InvariantCulture)}"
            : $"{error}, where the tolerance is 0 (an exact match is expected)";
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
