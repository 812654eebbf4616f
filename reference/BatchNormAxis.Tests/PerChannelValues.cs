using CsCheck;

namespace BatchNormAxis.Tests;

/// <summary>Values for the per-channel steps' vector-against-scalar tests: ordinary ones, and now and then a special one.</summary>
internal static class PerChannelValues
{
    public static Gen<double> Any { get; } = Gen.Frequency(
        (8, Gen.Double[-100, 100]),
        (1, Gen.Int[0, 5].Select(i => new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 1e-30 }[i])));
}
