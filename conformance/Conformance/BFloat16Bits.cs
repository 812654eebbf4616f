namespace BatchNormAxis.Conformance;

/// <summary>
/// bfloat16 as raw 16-bit patterns (.NET has no bfloat16 type): the upper half of a float32, so every bfloat16
/// value is a float32 value. Rounding from double goes straight to 8 significant bits, ties to even, so it is a
/// single rounding (rounding to float32 first would round twice).
/// </summary>
public static class BFloat16Bits
{
    private const ushort QuietNaN = 0x7FC0;
    private const ushort SignBit = 0x8000;

    /// <summary>The exact value of a bfloat16 bit pattern.</summary>
    /// <param name="bits">The pattern.</param>
    /// <returns>The value.</returns>
    public static double ToDouble(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>The nearest bfloat16 to a double, ties to even; overflow gives infinity, NaN a quiet NaN.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The bit pattern.</returns>
    public static ushort FromDouble(double value)
    {
        if (double.IsNaN(value))
        {
            return QuietNaN;
        }

        ushort sign = double.IsNegative(value) ? SignBit : (ushort)0;
        double magnitude = Math.Abs(value);
        if (magnitude == 0)
        {
            return sign;
        }

        // Spacing of bfloat16 values in this binade: 8 significant bits; subnormals share the smallest normal's.
        int exponent = double.IsInfinity(magnitude) ? 128 : Math.Max(Math.ILogB(magnitude), -126);
        if (exponent >= 128)
        {
            return (ushort)(sign | 0x7F80);
        }

        double spacing = Math.ScaleB(1.0, exponent - 7);
        double rounded = Math.Round(magnitude / spacing, MidpointRounding.ToEven) * spacing;
        if (rounded >= Math.ScaleB(1.0, 128))
        {
            return (ushort)(sign | 0x7F80);
        }

        uint floatBits = BitConverter.SingleToUInt32Bits((float)rounded); // exact: rounded has 8 significant bits
        return (ushort)(sign | (floatBits >> 16));
    }
}
