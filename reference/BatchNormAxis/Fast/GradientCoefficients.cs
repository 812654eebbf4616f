using System.Numerics;

namespace BatchNormAxis;

/// <summary>
/// The per-channel coefficients of the backward pass, <c>dx = a · dy + b · (x - mean) + c</c>, with
/// a = gamma / s, b = -a · Σdy(x - mean) / (N s²), c = -a · Σdy / N (b = c = 0 with moving statistics),
/// s = sqrt(variance + epsilon), and the parameter gradients dgamma = Σdy(x - mean) / s, dbeta = Σdy.
/// Computed in double, rounded once to the element type.
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
        for (int i = 0; i < a.Length; i++)
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
}
