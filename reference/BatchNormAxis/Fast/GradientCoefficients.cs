using System.Numerics;
using System.Runtime.CompilerServices;
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
    /// channels) make this a square root and four divisions per channel (two of them multiplications when the count
    /// is a power of two, <see cref="CountDivisor"/>). The spans are cut to the channels' count before the loop, which
    /// then loads and stores without bounds checks.
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
        int n = a.Length;
        var epsilon = new Vector<double>(options.Epsilon);
        var divisor = new CountDivisor(count);
        var at = new Starts<float>(variance, sumDy, sumDyCentred, gamma, options, a, b, c, dgamma, dbeta);
        int half = Vector<double>.Count;
        int i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector<double> gamma0 = Vector<double>.One, gamma1 = Vector<double>.One;
            if (options.Scale)
            {
                Vector.Widen(Vector.LoadUnsafe(ref at.Gamma, (nuint)i), out gamma0, out gamma1);
            }

            Vector<double> dy0 = Vector.LoadUnsafe(ref at.SumDy, (nuint)i);
            Vector<double> dy1 = Vector.LoadUnsafe(ref at.SumDy, (nuint)(i + half));
            (Vector<double> a0, Vector<double> b0, Vector<double> c0, Vector<double> g0) =
                Channels(Vector.LoadUnsafe(ref at.Variance, (nuint)i), dy0, Vector.LoadUnsafe(ref at.Centred, (nuint)i), gamma0, epsilon, divisor, useBatchStatistics);
            (Vector<double> a1, Vector<double> b1, Vector<double> c1, Vector<double> g1) =
                Channels(Vector.LoadUnsafe(ref at.Variance, (nuint)(i + half)), dy1, Vector.LoadUnsafe(ref at.Centred, (nuint)(i + half)), gamma1, epsilon, divisor, useBatchStatistics);
            Vector.Narrow(a0, a1).StoreUnsafe(ref at.A, (nuint)i);
            Vector.Narrow(b0, b1).StoreUnsafe(ref at.B, (nuint)i);
            Vector.Narrow(c0, c1).StoreUnsafe(ref at.C, (nuint)i);
            if (options.Scale)
            {
                Vector.Narrow(g0, g1).StoreUnsafe(ref at.Dgamma, (nuint)i);
            }

            if (options.Center)
            {
                Vector.Narrow(dy0, dy1).StoreUnsafe(ref at.Dbeta, (nuint)i);
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
        int n = a.Length;
        var epsilon = new Vector<double>(options.Epsilon);
        var divisor = new CountDivisor(count);
        var at = new Starts<double>(variance, sumDy, sumDyCentred, gamma, options, a, b, c, dgamma, dbeta);
        int i = 0;
        for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
        {
            Vector<double> channelGamma = options.Scale ? Vector.LoadUnsafe(ref at.Gamma, (nuint)i) : Vector<double>.One;
            Vector<double> dy = Vector.LoadUnsafe(ref at.SumDy, (nuint)i);
            (Vector<double> channelA, Vector<double> channelB, Vector<double> channelC, Vector<double> channelDgamma) =
                Channels(Vector.LoadUnsafe(ref at.Variance, (nuint)i), dy, Vector.LoadUnsafe(ref at.Centred, (nuint)i), channelGamma, epsilon, divisor, useBatchStatistics);
            channelA.StoreUnsafe(ref at.A, (nuint)i);
            channelB.StoreUnsafe(ref at.B, (nuint)i);
            channelC.StoreUnsafe(ref at.C, (nuint)i);
            if (options.Scale)
            {
                channelDgamma.StoreUnsafe(ref at.Dgamma, (nuint)i);
            }

            if (options.Center)
            {
                dy.StoreUnsafe(ref at.Dbeta, (nuint)i);
            }
        }

        return i;
    }

    /// <summary>
    /// Where each span of the coefficients begins, every one cut to the channels' count first (a short span throws
    /// here, so the loops may load and store without bounds checks); gamma and the parameter gradients a call does
    /// not use begin nowhere.
    /// </summary>
    private readonly ref struct Starts<T>
        where T : unmanaged
    {
        public readonly ref double Variance;
        public readonly ref double SumDy;
        public readonly ref double Centred;
        public readonly ref T Gamma;
        public readonly ref T A;
        public readonly ref T B;
        public readonly ref T C;
        public readonly ref T Dgamma;
        public readonly ref T Dbeta;

        public Starts(
            ReadOnlySpan<double> variance, ReadOnlySpan<double> sumDy, ReadOnlySpan<double> sumDyCentred, ReadOnlySpan<T> gamma, BatchNormOptions options, Span<T> a, Span<T> b, Span<T> c, Span<T> dgamma, Span<T> dbeta)
        {
            int n = a.Length;
            Variance = ref SpanStart.Of(variance, n);
            SumDy = ref SpanStart.Of(sumDy, n);
            Centred = ref SpanStart.Of(sumDyCentred, n);
            Gamma = ref options.Scale ? ref SpanStart.Of(gamma, n) : ref Unsafe.NullRef<T>();
            A = ref SpanStart.Of(a, n);
            B = ref SpanStart.Of(b, n);
            C = ref SpanStart.Of(c, n);
            Dgamma = ref options.Scale ? ref SpanStart.Of(dgamma, n) : ref Unsafe.NullRef<T>();
            Dbeta = ref options.Center ? ref SpanStart.Of(dbeta, n) : ref Unsafe.NullRef<T>();
        }
    }

    /// <summary>The scalar loop's operations, in its order, on one double vector of channels.</summary>
    private static (Vector<double> A, Vector<double> B, Vector<double> C, Vector<double> Dgamma) Channels(
        Vector<double> variance, Vector<double> dy, Vector<double> centred, Vector<double> gamma, Vector<double> epsilon, CountDivisor count, bool useBatchStatistics)
    {
        Vector<double> inverse = Vector<double>.One / Vector.SquareRoot(variance + epsilon);
        Vector<double> scale = gamma * inverse;
        Vector<double> b = useBatchStatistics ? count.Divide(-scale * inverse * inverse * centred) : Vector<double>.Zero;
        Vector<double> c = useBatchStatistics ? count.Divide(-scale * dy) : Vector<double>.Zero;
        return (scale, b, c, centred * inverse);
    }
}
