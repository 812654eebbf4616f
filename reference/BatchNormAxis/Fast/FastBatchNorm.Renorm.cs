using System.Numerics;

namespace BatchNormAxis;

/// <summary>
/// Batch renormalization on the fast implementation. A renormalizing training call is routed to the plain
/// <see cref="ScalarBatchNorm"/>: renorm is rare in practice, and correctness comes first (its r and d would need a
/// float32 fold of their own, with its own error analysis). Inference and frozen calls, the common use of a layer
/// trained with renorm, are calls without renorm and stay on the fast kernels; the renorm statistics are copied.
/// </summary>
public sealed partial class FastBatchNorm
{
    private void ForwardWithRenorm<T>(
        AxisResolution layout,
        BatchNormOptions options,
        bool training,
        ReadOnlySpan<T> x,
        BatchNormWeights<T> weights,
        ForwardDestinations<T> destinations,
        ReadOnlySpan<bool> mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (training && options.Trainable)
        {
            ScalarBatchNorm.Instance.Forward(layout, options, training, x, weights, destinations, mask);
            return;
        }

        // Validation allowed each renorm destination to be its own source and nothing else, so the fast call
        // (which never touches them) and the copies cannot disturb one another.
        Forward(
            layout,
            options with { Renorm = null },
            training,
            x,
            WithoutRenorm(weights),
            new ForwardDestinations<T>(destinations.Y, destinations.MovingMean, destinations.MovingVariance, destinations.Mean, destinations.Variance),
            mask);
        weights.MovingStddev.CopyTo(destinations.MovingStddev);
        weights.RenormMean.CopyTo(destinations.RenormMean);
        weights.RenormStddev.CopyTo(destinations.RenormStddev);
    }

    private void BackwardWithRenorm<T>(
        AxisResolution layout,
        BatchNormOptions options,
        bool training,
        ReadOnlySpan<T> x,
        ReadOnlySpan<T> dy,
        BatchNormWeights<T> weights,
        BackwardDestinations<T> destinations)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (training && options.Trainable)
        {
            ScalarBatchNorm.Instance.Backward(layout, options, training, x, dy, weights, destinations);
            return;
        }

        Backward(layout, options with { Renorm = null }, training, x, dy, WithoutRenorm(weights), destinations);
    }

    private static BatchNormWeights<T> WithoutRenorm<T>(BatchNormWeights<T> weights) =>
        new(weights.Gamma, weights.Beta, weights.MovingMean, weights.MovingVariance);
}
