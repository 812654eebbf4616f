using System.Buffers.Binary;

namespace BatchNormAxis.Conformance;

/// <summary>
/// Names, sizes, precisions and exact little-endian encodings of the fixture dtypes. Every value passes through
/// <see cref="double"/>, which holds every float16, bfloat16 and float32 value exactly.
/// </summary>
public static class DTypes
{
    /// <summary>The name used in fixture files.</summary>
    /// <param name="dtype">The dtype.</param>
    /// <returns><c>float16</c>, <c>bfloat16</c>, <c>float32</c>, <c>float64</c> or <c>bool</c>.</returns>
    public static string Name(FixtureDType dtype) => dtype switch
    {
        FixtureDType.Float16 => "float16",
        FixtureDType.BFloat16 => "bfloat16",
        FixtureDType.Float32 => "float32",
        FixtureDType.Float64 => "float64",
        FixtureDType.Bool => "bool",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>Parses a dtype name as written in fixture files.</summary>
    /// <param name="name">The name.</param>
    /// <param name="dtype">The dtype, when the name is known.</param>
    /// <returns>Whether the name is known.</returns>
    public static bool TryParse(string? name, out FixtureDType dtype)
    {
        switch (name)
        {
            case "float16": dtype = FixtureDType.Float16; return true;
            case "bfloat16": dtype = FixtureDType.BFloat16; return true;
            case "float32": dtype = FixtureDType.Float32; return true;
            case "float64": dtype = FixtureDType.Float64; return true;
            case "bool": dtype = FixtureDType.Bool; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>Bytes per element.</summary>
    /// <param name="dtype">The dtype.</param>
    /// <returns>The element size in bytes.</returns>
    public static int ItemSize(FixtureDType dtype) => dtype switch
    {
        FixtureDType.Float16 or FixtureDType.BFloat16 => 2,
        FixtureDType.Float32 => 4,
        FixtureDType.Float64 => 8,
        _ => 1,
    };

    /// <summary>
    /// The unit roundoff of the type a case of this dtype is <em>computed</em> in: float16 and bfloat16 compute
    /// in float32, as Keras does (2^-24); float64 in float64 (2^-53).
    /// </summary>
    /// <param name="dtype">The storage dtype.</param>
    /// <returns>The compute type's unit roundoff.</returns>
    public static double ComputeUnitRoundoff(FixtureDType dtype) =>
        dtype == FixtureDType.Float64 ? Math.ScaleB(1.0, -53) : Math.ScaleB(1.0, -24);

    /// <summary>
    /// The spacing of <paramref name="dtype"/> values at <paramref name="value"/>: <c>2^(max(e, emin) - p + 1)</c>,
    /// with <c>e</c> the binary exponent of the value, <c>p</c> the precision in bits and <c>emin</c> the smallest normal exponent.
    /// </summary>
    /// <param name="dtype">A floating-point dtype.</param>
    /// <param name="value">A finite value.</param>
    /// <returns>One unit in the last place at that value.</returns>
    public static double Ulp(FixtureDType dtype, double value)
    {
        (int precision, int minimumExponent) = dtype switch
        {
            FixtureDType.Float16 => (11, -14),
            FixtureDType.BFloat16 => (8, -126),
            FixtureDType.Float32 => (24, -126),
            _ => (53, -1022),
        };
        int exponent = value == 0 || !double.IsFinite(value) ? minimumExponent : Math.Max(Math.ILogB(value), minimumExponent);
        return Math.ScaleB(1.0, exponent - precision + 1);
    }

    /// <summary>Rounds a double to the nearest value of <paramref name="dtype"/>, ties to even, once.</summary>
    /// <param name="dtype">A floating-point dtype.</param>
    /// <param name="value">The value.</param>
    /// <returns>The rounded value, as a double.</returns>
    public static double Round(FixtureDType dtype, double value) => dtype switch
    {
        FixtureDType.Float16 => (double)(Half)value,
        FixtureDType.BFloat16 => BFloat16Bits.ToDouble(BFloat16Bits.FromDouble(value)),
        FixtureDType.Float32 => (float)value,
        FixtureDType.Float64 => value,
        _ => value != 0 ? 1 : 0,
    };

    /// <summary>Encodes values, which must already be representable in <paramref name="dtype"/>, as little-endian bytes.</summary>
    /// <param name="dtype">The dtype.</param>
    /// <param name="values">The values.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="ArgumentException">A value is not exactly representable in <paramref name="dtype"/>.</exception>
    public static byte[] Encode(FixtureDType dtype, ReadOnlySpan<double> values)
    {
        int size = ItemSize(dtype);
        byte[] bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            double value = values[i];
            if (!double.IsNaN(value) && Round(dtype, value) != value)
            {
                throw new ArgumentException($"value {value:R} at index {i} is not a {Name(dtype)} value; round it first", nameof(values));
            }

            Span<byte> slot = bytes.AsSpan(i * size, size);
            switch (dtype)
            {
                case FixtureDType.Float16:
                    BinaryPrimitives.WriteHalfLittleEndian(slot, (Half)value);
                    break;
                case FixtureDType.BFloat16:
                    BinaryPrimitives.WriteUInt16LittleEndian(slot, BFloat16Bits.FromDouble(value));
                    break;
                case FixtureDType.Float32:
                    BinaryPrimitives.WriteSingleLittleEndian(slot, (float)value);
                    break;
                case FixtureDType.Float64:
                    BinaryPrimitives.WriteDoubleLittleEndian(slot, value);
                    break;
                default:
                    slot[0] = value != 0 ? (byte)1 : (byte)0;
                    break;
            }
        }

        return bytes;
    }

    /// <summary>Decodes little-endian bytes of <paramref name="dtype"/> into doubles, exactly.</summary>
    /// <param name="dtype">The dtype.</param>
    /// <param name="bytes">The bytes; their length must be a multiple of the item size.</param>
    /// <returns>The values.</returns>
    public static double[] Decode(FixtureDType dtype, ReadOnlySpan<byte> bytes)
    {
        int size = ItemSize(dtype);
        double[] values = new double[bytes.Length / size];
        for (int i = 0; i < values.Length; i++)
        {
            ReadOnlySpan<byte> slot = bytes.Slice(i * size, size);
            values[i] = dtype switch
            {
                FixtureDType.Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(slot),
                FixtureDType.BFloat16 => BFloat16Bits.ToDouble(BinaryPrimitives.ReadUInt16LittleEndian(slot)),
                FixtureDType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(slot),
                FixtureDType.Float64 => BinaryPrimitives.ReadDoubleLittleEndian(slot),
                _ => slot[0],
            };
        }

        return values;
    }
}
