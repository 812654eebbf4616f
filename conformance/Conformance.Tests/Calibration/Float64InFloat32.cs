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
        int statisticLength = layout.ChannelCount;
        int renormLength = options.Renorm is null ? 0 : layout.ChannelCount;
        float[][] statistics = [new float[statisticLength], new float[statisticLength], new float[renormLength], new float[renormLength], new float[renormLength]];
        arithmetic.Forward(
            layout, options, training, Float32Variant.ToFloats(x), Narrow(weights),
            new ForwardDestinations<float>(y, statistics[0], statistics[1], default, default, statistics[2], statistics[3], statistics[4]),
            mask);

        Float32Variant.Write(y, destinations.Y);
        // Keras assigns the variables in a training call only; otherwise they keep their float64 values exactly.
        bool assigned = training && options.Trainable;
        Assign(statistics[0], weights.MovingMean, destinations.MovingMean, assigned);
        Assign(statistics[1], weights.MovingVariance, destinations.MovingVariance, assigned);
        Assign(statistics[2], weights.MovingStddev, destinations.MovingStddev, assigned);
        Assign(statistics[3], weights.RenormMean, destinations.RenormMean, assigned);
        Assign(statistics[4], weights.RenormStddev, destinations.RenormStddev, assigned);
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
        new(Float32Variant.ToFloats(weights.Gamma), Float32Variant.ToFloats(weights.Beta), Float32Variant.ToFloats(weights.MovingMean), Float32Variant.ToFloats(weights.MovingVariance),
            Float32Variant.ToFloats(weights.MovingStddev), Float32Variant.ToFloats(weights.RenormMean), Float32Variant.ToFloats(weights.RenormStddev));

    private static void Assign<T>(float[] computed, ReadOnlySpan<T> held, Span<T> destination, bool assigned)
        where T : IFloatingPointIeee754<T>
    {
        if (assigned)
        {
            Float32Variant.Write(computed, destination);
        }
        else
        {
            held.CopyTo(destination);
        }
    }
}
