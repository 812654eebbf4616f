using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace BatchNormAxis;

/// <summary>
/// The conversions between an element type and the type it is computed in: widening is exact (every Half, float
/// and double value is a float and a double, every Half a float), narrowing rounds once to the nearest value, ties to
/// even. Both implementations go through here, so the rounding of a result has one definition.
/// </summary>
internal static class Conversions
{
    /// <summary>Widens to double, exactly, into <paramref name="destination"/> (at least as long as the values).</summary>
    public static void Widen<T>(ReadOnlySpan<T> values, Span<double> destination)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            destination[i] = double.CreateTruncating(values[i]);
        }
    }

    /// <summary>Widens to a new double array, exactly.</summary>
    public static double[] Widen<T>(ReadOnlySpan<T> values)
        where T : IFloatingPointIeee754<T>
    {
        double[] wide = new double[values.Length];
        Widen(values, wide);
        return wide;
    }

    /// <summary>Widens Half to float32, exactly; returns the filled destination.</summary>
    public static ReadOnlySpan<float> Widen(ReadOnlySpan<Half> values, Span<float> destination)
    {
        TensorPrimitives.ConvertToSingle(values, destination);
        return destination[..values.Length];
    }

    /// <summary>
    /// Rounds each double to the nearest <typeparamref name="T"/> (ties to even), the one rounding of a result. An
    /// empty destination is an output nobody asked for and takes nothing.
    /// </summary>
    public static void Narrow<T>(ReadOnlySpan<double> values, Span<T> destination)
        where T : IFloatingPointIeee754<T>
    {
        Debug.Assert(destination.IsEmpty || destination.Length == values.Length, "an output has one value per input value");
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = T.CreateTruncating(values[i]);
        }
    }

    /// <summary>Rounds each float32 to the nearest Half (ties to even); an empty destination takes nothing.</summary>
    public static void Narrow(ReadOnlySpan<float> values, Span<Half> destination)
    {
        Debug.Assert(destination.IsEmpty || destination.Length == values.Length, "an output has one value per input value");
        TensorPrimitives.ConvertToHalf(values[..destination.Length], destination);
    }
}
