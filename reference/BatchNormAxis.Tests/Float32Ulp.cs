namespace BatchNormAxis.Tests;

/// <summary>Distances between float32 values in units in the last place, for comparing with published float32 results.</summary>
internal static class Float32Ulp
{
    /// <summary>The spacing of float32 values at magnitude <paramref name="magnitude"/> (2^-23 relative, 2^-149 at least).</summary>
    public static double At(double magnitude)
    {
        float f = (float)Math.Abs(magnitude);
        return Math.Max(MathF.BitIncrement(f) - f, float.Epsilon);
    }

    /// <summary>
    /// Asserts that <paramref name="actual"/> is within <paramref name="ulps"/> float32 ULPs of <paramref name="expected"/>,
    /// where an ULP is taken at <paramref name="magnitude"/>: the size of the largest term the expected value was computed
    /// from. A float32 computation of <c>a + b</c> errs by a fraction of an ULP of its terms, not of its result.
    /// </summary>
    public static void AssertClose(double expected, double actual, double magnitude, double ulps, string what)
    {
        double bound = ulps * At(Math.Max(magnitude, Math.Abs(expected)));
        Assert.True(
            Math.Abs(expected - actual) <= bound,
            $"{what}: expected {expected:R}, got {actual:R}, difference {Math.Abs(expected - actual):R} > {ulps} float32 ULP ({bound:R})");
    }
}
