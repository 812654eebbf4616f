using System.Buffers;

namespace BatchNormAxis;

/// <summary>
/// Half storage, float32 compute, as Keras computes a float16 layer: inputs are widened to float32 into pooled
/// buffers, the float32 kernels run, and each result is rounded once to Half.
/// </summary>
internal static class HalfInFloat32
{
    public static void Forward(FastBatchNorm fast, AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<Half> x, BatchNormWeights<Half> weights, ForwardDestinations<Half> destinations, ReadOnlySpan<bool> mask)
    {
        int elements = x.Length;
        int perChannel = WeightCount(weights) + destinations.MovingMean.Length + destinations.MovingVariance.Length + destinations.Mean.Length + destinations.Variance.Length;
        float[] tensors = ArrayPool<float>.Shared.Rent(2 * elements);
        float[] vectors = ArrayPool<float>.Shared.Rent(perChannel);
        try
        {
            var tensorSlices = new Slices(tensors);
            var vectorSlices = new Slices(vectors);
            Span<float> y = tensorSlices.Next(elements);
            var floatDestinations = new ForwardDestinations<float>(
                y,
                vectorSlices.Next(destinations.MovingMean.Length),
                vectorSlices.Next(destinations.MovingVariance.Length),
                vectorSlices.Next(destinations.Mean.Length),
                vectorSlices.Next(destinations.Variance.Length));
            fast.Forward(
                layout,
                options,
                training,
                Conversions.Widen(x, tensorSlices.Next(elements)),
                Widen(weights, ref vectorSlices),
                floatDestinations,
                mask);

            Conversions.Narrow(floatDestinations.Y, destinations.Y);
            Conversions.Narrow(floatDestinations.MovingMean, destinations.MovingMean);
            Conversions.Narrow(floatDestinations.MovingVariance, destinations.MovingVariance);
            Conversions.Narrow(floatDestinations.Mean, destinations.Mean);
            Conversions.Narrow(floatDestinations.Variance, destinations.Variance);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(vectors);
            ArrayPool<float>.Shared.Return(tensors);
        }
    }

    public static void Backward(FastBatchNorm fast, AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<Half> x, ReadOnlySpan<Half> dy, BatchNormWeights<Half> weights, BackwardDestinations<Half> destinations)
    {
        int elements = x.Length;
        int perChannel = WeightCount(weights) + destinations.Dgamma.Length + destinations.Dbeta.Length;
        float[] tensors = ArrayPool<float>.Shared.Rent(3 * elements);
        float[] vectors = ArrayPool<float>.Shared.Rent(perChannel);
        try
        {
            var tensorSlices = new Slices(tensors);
            var vectorSlices = new Slices(vectors);
            var floatDestinations = new BackwardDestinations<float>(
                tensorSlices.Next(elements), vectorSlices.Next(destinations.Dgamma.Length), vectorSlices.Next(destinations.Dbeta.Length));
            fast.Backward(
                layout,
                options,
                training,
                Conversions.Widen(x, tensorSlices.Next(elements)),
                Conversions.Widen(dy, tensorSlices.Next(elements)),
                Widen(weights, ref vectorSlices),
                floatDestinations);

            Conversions.Narrow(floatDestinations.Dx, destinations.Dx);
            Conversions.Narrow(floatDestinations.Dgamma, destinations.Dgamma);
            Conversions.Narrow(floatDestinations.Dbeta, destinations.Dbeta);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(vectors);
            ArrayPool<float>.Shared.Return(tensors);
        }
    }

    private static int WeightCount(BatchNormWeights<Half> weights) =>
        weights.Gamma.Length + weights.Beta.Length + weights.MovingMean.Length + weights.MovingVariance.Length;

    private static BatchNormWeights<float> Widen(BatchNormWeights<Half> weights, ref Slices slices) => new(
        Conversions.Widen(weights.Gamma, slices.Next(weights.Gamma.Length)),
        Conversions.Widen(weights.Beta, slices.Next(weights.Beta.Length)),
        Conversions.Widen(weights.MovingMean, slices.Next(weights.MovingMean.Length)),
        Conversions.Widen(weights.MovingVariance, slices.Next(weights.MovingVariance.Length)));

    /// <summary>Consecutive slices of one pooled array.</summary>
    private ref struct Slices(float[] buffer)
    {
        private int _used;

        public Span<float> Next(int length)
        {
            Span<float> slice = buffer.AsSpan(_used, length);
            _used += length;
            return slice;
        }
    }
}
