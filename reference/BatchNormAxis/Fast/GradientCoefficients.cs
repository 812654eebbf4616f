using System.Numerics;
using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// The per-channel coefficients of the backward pass, <c>dx = a · dy + b · (x - mean) + c</c>, with
/// a = gamma / s, b = -a · Σdy(x - mean) / (N s²), c = -a · Σdy / N (b = c = 0 with moving statistics),
/// s = sqrt(variance + epsilon), and the parameter gradients dgamma = Σdy(x - mean) / s, dbeta = Σdy.
/// Computed in double, rounded once to the element type; float32 and float64 on vectors, with the same bits as the
/// scalar loop.
/// </summary>
internal static class GradientCoefficients
{
    /// <summary>Every channel of the given spans (all of one length; gamma empty without scale).</summary>
    public static void Compute<T>(
        ReadOnlySpan<double> variance,
        ReadOnlySpan<double> sumDy,
        ReadOnlySpan<double> sumDyCentred,
        ReadOnlySpan<T> gamma,
        BatchNormOptions options,
        bool useBatchStatistics,
        double count,
        Span<T> a,
        Span<T> b,
        Span<T> c,
        Span<T> dgamma,
        Span<T> dbeta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int first = typeof(T) == typeof(float) && Vector.IsHardwareAccelerated
            ? Float(
                variance,
                sumDy,
                sumDyCentred,
                MemoryMarshal.Cast<T, float>(gamma),
                options,
                useBatchStatistics,
                count,
                MemoryMarshal.Cast<T, float>(a),
                MemoryMarshal.Cast<T, float>(b),
                MemoryMarshal.Cast<T, float>(c),
                MemoryMarshal.Cast<T, float>(dgamma),
                MemoryMarshal.Cast<T, float>(dbeta))
            : typeof(T) == typeof(double) && Vector.IsHardwareAccelerated
            ? Double(
                variance,
                sumDy,
                sumDyCentred,
                MemoryMarshal.Cast<T, double>(gamma),
                options,
                useBatchStatistics,
                count,
                MemoryMarshal.Cast<T, double>(a),
                MemoryMarshal.Cast<T, double>(b),
                MemoryMarshal.Cast<T, double>(c),
                MemoryMarshal.Cast<T, double>(dgamma),
                MemoryMarshal.Cast<T, double>(dbeta))
            : 0;
        for (int i = first; i < a.Length; i++)
        {
            double inverse = 1 / Math.Sqrt(variance[i] + options.Epsilon);
            double scale = (options.Scale ? double.CreateTruncating(gamma[i]) : 1.0) * inverse;
            a[i] = T.CreateTruncating(scale);
            b[i] = useBatchStatistics ? T.CreateTruncating(-scale * inverse * inverse * sumDyCentred[i] / count) : T.Zero;
            c[i] = useBatchStatistics ? T.CreateTruncating(-scale * sumDy[i] / count) : T.Zero;
            if (options.Scale)
            {
                dgamma[i] = T.CreateTruncating(sumDyCentred[i] * inverse);
            }

            if (options.Center)
            {
                dbeta[i] = T.CreateTruncating(sumDy[i]);
            }
        }
    }

    /// <summary>
    /// float32, one float vector of channels at a time in two double vectors, with the scalar loop's operations in
    /// its order (so the same bits); returns how many channels it did. Wide keep-sets (axis=[1, 2, 3]: 200704
    /// channels) make this a square root and four divisions per channel.
    /// </summary>
    private static int Float(
        ReadOnlySpan<double> variance,
        ReadOnlySpan<double> sumDy,
        ReadOnlySpan<double> sumDyCentred,
        ReadOnlySpan<float> gamma,
        BatchNormOptions options,
        bool useBatchStatistics,
        double count,
        Span<float> a,
        Span<float> b,
        Span<float> c,
        Span<float> dgamma,
        Span<float> dbeta)
    {
        var epsilon = new Vector<double>(options.Epsilon);
        var n = new Vector<double>(count);
        int half = Vector<double>.Count;
        int i = 0;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector<double> gamma0 = Vector<double>.One, gamma1 = Vector<double>.One;
            if (options.Scale)
            {
                Vector.Widen(new Vector<float>(gamma[i..]), out gamma0, out gamma1);
            }

            (Vector<double> a0, Vector<double> b0, Vector<double> c0, Vector<double> g0) =
                Channels(new(variance[i..]), new(sumDy[i..]), new(sumDyCentred[i..]), gamma0, epsilon, n, useBatchStatistics);
            (Vector<double> a1, Vector<double> b1, Vector<double> c1, Vector<double> g1) =
                Channels(new(variance[(i + half)..]), new(sumDy[(i + half)..]), new(sumDyCentred[(i + half)..]), gamma1, epsilon, n, useBatchStatistics);
            Vector.Narrow(a0, a1).CopyTo(a[i..]);
            Vector.Narrow(b0, b1).CopyTo(b[i..]);
            Vector.Narrow(c0, c1).CopyTo(c[i..]);
            if (options.Scale)
            {
                Vector.Narrow(g0, g1).CopyTo(dgamma[i..]);
            }

            if (options.Center)
            {
                Vector.Narrow(new Vector<double>(sumDy[i..]), new Vector<double>(sumDy[(i + half)..])).CopyTo(dbeta[i..]);
            }
        }

        return i;
    }

    /// <summary>float64, one double vector of channels at a time, with the scalar loop's operations in its order; returns how many it did.</summary>
    private static int Double(
        ReadOnlySpan<double> variance,
        ReadOnlySpan<double> sumDy,
        ReadOnlySpan<double> sumDyCentred,
        ReadOnlySpan<double> gamma,
        BatchNormOptions options,
        bool useBatchStatistics,
        double count,
        Span<double> a,
        Span<double> b,
        Span<double> c,
        Span<double> dgamma,
        Span<double> dbeta)
    {
        var epsilon = new Vector<double>(options.Epsilon);
        var n = new Vector<double>(count);
        int i = 0;
        for (; i <= a.Length - Vector<double>.Count; i += Vector<double>.Count)
        {
            Vector<double> channelGamma = options.Scale ? new Vector<double>(gamma[i..]) : Vector<double>.One;
            (Vector<double> channelA, Vector<double> channelB, Vector<double> channelC, Vector<double> channelDgamma) =
                Channels(new(variance[i..]), new(sumDy[i..]), new(sumDyCentred[i..]), channelGamma, epsilon, n, useBatchStatistics);
            channelA.CopyTo(a[i..]);
            channelB.CopyTo(b[i..]);
            channelC.CopyTo(c[i..]);
            if (options.Scale)
            {
                channelDgamma.CopyTo(dgamma[i..]);
            }

            if (options.Center)
            {
                sumDy.Slice(i, Vector<double>.Count).CopyTo(dbeta[i..]);
            }
        }

        return i;
    }

    /// <summary>The scalar loop's operations, in its order, on one double vector of channels.</summary>
    private static (Vector<double> A, Vector<double> B, Vector<double> C, Vector<double> Dgamma) Channels(
        Vector<double> variance, Vector<double> dy, Vector<double> centred, Vector<double> gamma, Vector<double> epsilon, Vector<double> count, bool useBatchStatistics)
    {
        Vector<double> inverse = Vector<double>.One / Vector.SquareRoot(variance + epsilon);
        Vector<double> scale = gamma * inverse;
        Vector<double> b = useBatchStatistics ? (-scale * inverse * inverse * centred) / count : Vector<double>.Zero;
        Vector<double> c = useBatchStatistics ? (-scale * dy) / count : Vector<double>.Zero;
        return (scale, b, c, centred * inverse);
    }
}
