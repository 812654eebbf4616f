namespace BatchNormAxis.Conformance.Tests;

public class DTypesTests
{
    [Fact]
    public void Float16_RoundsOnceFromDouble()
    {
        // 1 + 2^-11 is a tie between 1 and 1 + 2^-10: ties go to even (1). A hair above must round up;
        // a conversion through float32 would drop the hair and round down (double rounding).
        Assert.Equal(1.0, DTypes.Round(FixtureDType.Float16, 1 + Math.ScaleB(1, -11)));
        Assert.Equal(1 + Math.ScaleB(1, -10), DTypes.Round(FixtureDType.Float16, 1 + Math.ScaleB(1, -11) + Math.ScaleB(1, -40)));
    }

    [Theory]
    [InlineData(1.0, 0x3F80)]
    [InlineData(-2.0, 0xC000)]
    [InlineData(1.00390625, 0x3F80)] // 1 + 2^-8: tie, to even
    [InlineData(1.01171875, 0x3F82)] // 1 + 3 * 2^-8: tie, to even (up)
    [InlineData(1.0039062500000002, 0x3F81)] // just above the tie: single rounding goes up
    [InlineData(3.4e38, 0x7F80)] // above the largest bfloat16 (3.3895e38) by more than half a step: infinity
    [InlineData(0.0, 0x0000)]
    [InlineData(-0.0, 0x8000)]
    [InlineData(9.183549615799121e-41, 0x0001)] // the smallest subnormal
    public void BFloat16_RoundsToNearestEvenOnce(double value, int bits)
    {
        Assert.Equal((ushort)bits, BFloat16Bits.FromDouble(value));
    }

    [Fact]
    public void BFloat16_NaNStaysNaN()
    {
        Assert.True(double.IsNaN(BFloat16Bits.ToDouble(BFloat16Bits.FromDouble(double.NaN))));
    }

    [Theory]
    [InlineData(FixtureDType.Float32, 1.0, 1.1920928955078125e-07)]
    [InlineData(FixtureDType.Float32, 0.75, 5.9604644775390625e-08)]
    [InlineData(FixtureDType.Float16, 1.0, 0.0009765625)]
    [InlineData(FixtureDType.BFloat16, 1.0, 0.0078125)]
    [InlineData(FixtureDType.Float64, 1.0, 2.220446049250313e-16)]
    [InlineData(FixtureDType.Float32, 0.0, 1.401298464324817e-45)]
    public void Ulp_IsTheSpacingAtTheValue(FixtureDType dtype, double value, double expected)
    {
        Assert.Equal(expected, DTypes.Ulp(dtype, value));
    }

    [Theory]
    [InlineData(FixtureDType.Float16)]
    [InlineData(FixtureDType.BFloat16)]
    [InlineData(FixtureDType.Float32)]
    [InlineData(FixtureDType.Float64)]
    public void EncodeDecode_RoundTripsEveryBitIncludingSpecials(FixtureDType dtype)
    {
        double[] values = [.. new[] { 0.0, -0.0, 1.5, -3.25, double.PositiveInfinity, double.NegativeInfinity, 1e-30, 65504 }.Select(v => DTypes.Round(dtype, v))];

        double[] decoded = DTypes.Decode(dtype, DTypes.Encode(dtype, values));

        Assert.Equal(values.Select(BitConverter.DoubleToInt64Bits), decoded.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Encode_RefusesValuesNotInTheDType()
    {
        var error = Assert.Throws<ArgumentException>(() => DTypes.Encode(FixtureDType.Float32, [0.1]));

        Assert.StartsWith("value 0.1 at index 0 is not a float32 value; round it first", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorCategories_AreSnakeCase()
    {
        Assert.Equal("axis_out_of_range", ErrorCategories.Name(BatchNormErrorCategory.AxisOutOfRange));
        Assert.Equal("mask_shape_mismatch", ErrorCategories.Name(BatchNormErrorCategory.MaskShapeMismatch));
    }
}
