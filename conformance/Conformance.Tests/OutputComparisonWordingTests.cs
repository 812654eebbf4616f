namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// A failing output's line says something true: a NaN printed "error NaN = Infinity ULP = Infinityx the tolerance"
/// (issue 13); it now names the NaN and the value expected.
/// </summary>
public class OutputComparisonWordingTests
{
    private static ExpectedTensor Expected(params double[] reference) =>
        new(FixtureDType.Float32, [reference.Length], reference, reference, [.. reference.Select(_ => 1e-6)]);

    [Fact]
    public void NaNWhereANumberIsExpected_SaysSo()
    {
        OutputComparison comparison = OutputComparison.Compare("y", Expected(0.5, 0.25), [0.5, double.NaN]);

        Assert.False(comparison.Passed);
        Assert.Equal("y[1]: NaN where 0.25 was expected", comparison.ToString());
    }

    [Fact]
    public void InfinityWhereANumberIsExpected_NamesBothValuesOnly()
    {
        OutputComparison comparison = OutputComparison.Compare("moving_variance", Expected(2), [double.PositiveInfinity]);

        Assert.Equal("moving_variance[0]: expected 2, got Infinity", comparison.ToString());
    }

    [Fact]
    public void NumberWhereNaNIsExpected_NamesBothValuesOnly()
    {
        OutputComparison comparison = OutputComparison.Compare("moving_variance", Expected(double.NaN), [1]);

        Assert.Equal("moving_variance[0]: expected NaN, got 1", comparison.ToString());
    }

    [Fact]
    public void FiniteError_KeepsItsUlpsAndRatio()
    {
        // float32 values in [0.5, 1) are 2^-24 apart, so an error of 2^-20 is 16 ULP; 2^-20 / 1e-7 = 9.54.
        double actual = 0.5 + Math.ScaleB(1, -20);
        OutputComparison comparison = OutputComparison.Compare("y", new ExpectedTensor(FixtureDType.Float32, [1], [0.5], [0.5], [1e-7]), [actual]);

        Assert.False(comparison.Passed);
        Assert.Equal("y[0]: expected 0.5, got 0.5000009536743164; error 9.54E-07 = 16 ULP = 9.54x the tolerance 1E-07", comparison.ToString());
    }
}
