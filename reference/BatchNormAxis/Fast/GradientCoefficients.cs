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
        int first = !Vector.IsHardwareAccelerated ? 0
            : DoubleLanes.Use512 ? Vectors<T, Vector512Lanes>(variance, sumDy, sumDyCentred, gamma, options, useBatchStatistics, count, a, b, c, dgamma, dbeta)
            : Vectors<T, VectorLanes>(variance, sumDy, sumDyCentred, gamma, options, useBatchStatistics, count, a, b, c, dgamma, dbeta);
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

    /// <summary>The vector loop of the element type on vectors of <typeparamref name="TLanes"/>; returns how many channels it did.</summary>
    private static int Vectors<T, TLanes>(
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
        where TLanes : struct, IDoubleLanes<TLanes> =>
        typeof(T) == typeof(float)
            ? Float<TLanes>(
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
            : typeof(T) == typeof(double)
            ? Double<TLanes>(
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

    /// <summary>
    /// float32, two vectors of doubles of channels at a time (<see cref="IDoubleLanes{TSelf}"/>: 512 bits where they
    /// are fast), with the scalar loop's operations in its order (so the same bits); returns how many channels it did.
    /// Wide keep-sets (axis=[1, 2, 3]: 200704 channels) make this a square root and four divisions per channel (two of
    /// them multiplications when the count is a power of two, <see cref="CountDivisor{TLanes}"/>). The spans are cut
    /// to the channels' count before the loop, which then loads and stores without bounds checks.
    /// </summary>
    private static int Float<TLanes>(
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
        where TLanes : struct, IDoubleLanes<TLanes>
    {
        int n = a.Length;
        TLanes epsilon = TLanes.Create(options.Epsilon);
        var divisor = new CountDivisor<TLanes>(count);
        var at = new Starts<float>(variance, sumDy, sumDyCentred, gamma, options, a, b, c, dgamma, dbeta);
        int half = TLanes.Count;
        int i = 0;
        for (; i <= n - (2 * half); i += 2 * half)
        {
            (TLanes gamma0, TLanes gamma1) = options.Scale ? TLanes.LoadWidened(ref at.Gamma, i) : (TLanes.One, TLanes.One);
            TLanes dy0 = TLanes.Load(ref at.SumDy, i);
            TLanes dy1 = TLanes.Load(ref at.SumDy, i + half);
            (TLanes a0, TLanes b0, TLanes c0, TLanes g0) =
                Channels(TLanes.Load(ref at.Variance, i), dy0, TLanes.Load(ref at.Centred, i), gamma0, epsilon, divisor, useBatchStatistics);
            (TLanes a1, TLanes b1, TLanes c1, TLanes g1) =
                Channels(TLanes.Load(ref at.Variance, i + half), dy1, TLanes.Load(ref at.Centred, i + half), gamma1, epsilon, divisor, useBatchStatistics);
            TLanes.StoreNarrowed(a0, a1, ref at.A, i);
            TLanes.StoreNarrowed(b0, b1, ref at.B, i);
            TLanes.StoreNarrowed(c0, c1, ref at.C, i);
            if (options.Scale)
            {
                TLanes.StoreNarrowed(g0, g1, ref at.Dgamma, i);
            }

            if (options.Center)
            {
                TLanes.StoreNarrowed(dy0, dy1, ref at.Dbeta, i);
            }
        }

        return i;
    }

    /// <summary>float64, one vector of doubles of channels at a time (<see cref="IDoubleLanes{TSelf}"/>), with the scalar loop's operations in its order; returns how many it did.</summary>
    private static int Double<TLanes>(
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
        where TLanes : struct, IDoubleLanes<TLanes>
    {
        int n = a.Length;
        TLanes epsilon = TLanes.Create(options.Epsilon);
        var divisor = new CountDivisor<TLanes>(count);
        var at = new Starts<double>(variance, sumDy, sumDyCentred, gamma, options, a, b, c, dgamma, dbeta);
        int i = 0;
        for (; i <= n - TLanes.Count; i += TLanes.Count)
        {
            TLanes channelGamma = options.Scale ? TLanes.Load(ref at.Gamma, i) : TLanes.One;
            TLanes dy = TLanes.Load(ref at.SumDy, i);
            (TLanes channelA, TLanes channelB, TLanes channelC, TLanes channelDgamma) =
                Channels(TLanes.Load(ref at.Variance, i), dy, TLanes.Load(ref at.Centred, i), channelGamma, epsilon, divisor, useBatchStatistics);
            TLanes.Store(channelA, ref at.A, i);
            TLanes.Store(channelB, ref at.B, i);
            TLanes.Store(channelC, ref at.C, i);
            if (options.Scale)
            {
                TLanes.Store(channelDgamma, ref at.Dgamma, i);
            }

            if (options.Center)
            {
                TLanes.Store(dy, ref at.Dbeta, i);
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
    private static (TLanes A, TLanes B, TLanes C, TLanes Dgamma) Channels<TLanes>(
        TLanes variance, TLanes dy, TLanes centred, TLanes gamma, TLanes epsilon, CountDivisor<TLanes> count, bool useBatchStatistics)
        where TLanes : struct, IDoubleLanes<TLanes>
    {
        TLanes inverse = TLanes.One / TLanes.SquareRoot(variance + epsilon);
        TLanes scale = gamma * inverse;
        TLanes b = useBatchStatistics ? count.Divide(-scale * inverse * inverse * centred) : TLanes.Zero;
        TLanes c = useBatchStatistics ? count.Divide(-scale * dy) : TLanes.Zero;
        return (scale, b, c, centred * inverse);
    }
}
