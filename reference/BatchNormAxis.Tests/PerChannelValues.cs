using CsCheck;

namespace BatchNormAxis.Tests;

/// <summary>
/// Values for the per-channel steps' vector-against-scalar tests: ordinary ones, and now and then a special one
/// (subnormals and the largest doubles among them, where a division by a count and a multiplication by its
/// reciprocal could part if the reciprocal were not exact).
/// </summary>
internal static class PerChannelValues
{
    public static Gen<double> Any { get; } = Gen.Frequency(
        (8, Gen.Double[-100, 100]),
        (1, Gen.Int[0, 9].Select(i => new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 1e-30, 1e-310, double.Epsilon, -3e-320, double.MaxValue }[i])));

    /// <summary>
    /// Counts of values per channel: powers of two, which the vector paths divide by as a multiplication by the exact
    /// reciprocal (<see cref="CountDivisor{TLanes}"/>), and others, which they divide by.
    /// </summary>
    public static Gen<double> Count { get; } = Gen.OneOf(1.0, 2.0, 32.0, 1024.0, 1048576.0, 3.0, 12.0, 33.0, 100352.0);
}
