using System.Numerics;

namespace BatchNormAxis.Conformance.Tests.Calibration;

/// <summary>
/// WRONG for float64 data: runs it through a float32 implementation and casts the results back, as Keras 3.12+ does
/// on every backend but TensorFlow (<c>keras/src/layers/normalization/batch_normalization.py</c> line 345 at
/// v3.15.1 computes in <c>result_type(inputs.dtype, "float32")</c>, which <c>keras/src/backend/common/dtypes.py</c>
/// line 240 maps to float32 there). The input, the weights and the moving statistics are rounded to float32; moving
/// statistics a call does not assign (inference, a frozen layer) keep their float64 values, because Keras only
/// writes the variables in a training call. Other dtypes go to the float32 implementation unchanged.
/// </summary>
/// <param name="arithmetic">The float32 implementation that does the arithmetic.</param>
public sealed class Float64InFloat32(Float32Variant arithmetic) : IBatchNormalization
{
    public string Name => $"float64-in-{arithmetic.Name}";

    public override string ToString() => Name;

    public void Forward<T>(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<T> x, BatchNormWeights<T> weights, ForwardDestinations<T> destinations, ReadOnlySpan<bool> mask = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(options);
        if (typeof(T) != typeof(double))
        {
            arithmetic.Forward(layout, options, training, x, weights, destinations, mask);
            return;
        }

        float[] y = new float[x.Length];
        float[] movingMean = new float[layout.ChannelCount];
        float[] movingVariance = new float[layout.ChannelCount];
        arithmetic.Forward(layout, options, training, Float32Variant.ToFloats(x), Narrow(weights), new ForwardDestinations<float>(y, movingMean, movingVariance), mask);

        Float32Variant.Write(y, destinations.Y);
        if (training && options.Trainable)
        {
            Float32Variant.Write(movingMean, destinations.MovingMean);
            Float32Variant.Write(movingVariance, destinations.MovingVariance);
        }
        else
        {
            weights.MovingMean.CopyTo(destinations.MovingMean);
            weights.MovingVariance.CopyTo(destinations.MovingVariance);
        }
    }

    public void Backward<T>(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, BatchNormWeights<T> weights, BackwardDestinations<T> destinations)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(options);
        if (typeof(T) != typeof(double))
        {
            arithmetic.Backward(layout, options, training, x, dy, weights, destinations);
            return;
        }

        float[] dx = new float[x.Length];
        float[] dgamma = new float[destinations.Dgamma.Length];
        float[] dbeta = new float[destinations.Dbeta.Length];
        arithmetic.Backward(layout, options, training, Float32Variant.ToFloats(x), Float32Variant.ToFloats(dy), Narrow(weights), new BackwardDestinations<float>(dx, dgamma, dbeta));
        Float32Variant.Write(dx, destinations.Dx);
        Float32Variant.Write(dgamma, destinations.Dgamma);
        Float32Variant.Write(dbeta, destinations.Dbeta);
    }

    private static BatchNormWeights<float> Narrow<T>(BatchNormWeights<T> weights)
        where T : IFloatingPointIeee754<T> =>
        new(Float32Variant.ToFloats(weights.Gamma), Float32Variant.ToFloats(weights.Beta), Float32Variant.ToFloats(weights.MovingMean), Float32Variant.ToFloats(weights.MovingVariance));
}
