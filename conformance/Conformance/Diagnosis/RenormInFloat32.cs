using System.Numerics;

namespace BatchNormAxis.Conformance.Diagnosis;

/// <summary>
/// A renormalizing layer's float64 call computed in float32 and cast back, as Keras 3.12+ does outside TensorFlow
/// (<c>keras/src/layers/normalization/batch_normalization.py</c> lines 345-405 and 476-586 at v3.15.1): the input,
/// the seven weights and every hyperparameter (momentum, epsilon, renorm momentum, the clips) rounded to float32, the
/// call run by the reference in float32, the results stored as float64. A float32 computation matches the reference's
/// float32 answer within the float32 error model the diagnosis applies. Statistics the call does not assign
/// (inference, frozen) come back exactly as given.
/// </summary>
internal sealed class RenormInFloat32 : IBatchNormalization
{
    public static RenormInFloat32 Instance { get; } = new();

    public string Name => "renorm-in-float32";

    public void Forward<T>(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<T> x, BatchNormWeights<T> weights, ForwardDestinations<T> destinations, ReadOnlySpan<bool> mask = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        float[] y = new float[x.Length];
        float[][] statistics = [.. Enumerable.Range(0, 5).Select(_ => new float[channels])];
        ScalarBatchNorm.Instance.Forward<float>(
            layout, InFloat32(options), training, Floats(x), Floats(weights),
            new ForwardDestinations<float>(y, statistics[0], statistics[1], default, default, statistics[2], statistics[3], statistics[4]),
            mask);

        Write(y, destinations.Y);
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
        float[] dx = new float[x.Length];
        float[] dgamma = new float[destinations.Dgamma.Length];
        float[] dbeta = new float[destinations.Dbeta.Length];
        ScalarBatchNorm.Instance.Backward<float>(
            layout, InFloat32(options), training, Floats(x), Floats(dy), Floats(weights), new BackwardDestinations<float>(dx, dgamma, dbeta));
        Write(dx, destinations.Dx);
        Write(dgamma, destinations.Dgamma);
        Write(dbeta, destinations.Dbeta);
    }

    /// <summary>Keras multiplies float32 tensors by Python floats, which every backend applies in float32.</summary>
    private static BatchNormOptions InFloat32(BatchNormOptions options) => options with
    {
        Momentum = (float)options.Momentum,
        Epsilon = (float)options.Epsilon,
        Renorm = options.Renorm! with
        {
            Momentum = (float)options.Renorm.Momentum,
            RMin = (float?)options.Renorm.RMin,
            RMax = (float?)options.Renorm.RMax,
            DMax = (float?)options.Renorm.DMax,
        },
    };

    private static BatchNormWeights<float> Floats<T>(BatchNormWeights<T> weights)
        where T : IFloatingPointIeee754<T> =>
        new(Floats(weights.Gamma), Floats(weights.Beta), Floats(weights.MovingMean), Floats(weights.MovingVariance),
            Floats(weights.MovingStddev), Floats(weights.RenormMean), Floats(weights.RenormStddev));

    private static float[] Floats<T>(ReadOnlySpan<T> values)
        where T : IFloatingPointIeee754<T>
    {
        float[] floats = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            floats[i] = float.CreateTruncating(values[i]);
        }

        return floats;
    }

    private static void Write<T>(float[] values, Span<T> destination)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            destination[i] = T.CreateTruncating(values[i]);
        }
    }

    private static void Assign<T>(float[] computed, ReadOnlySpan<T> held, Span<T> destination, bool assigned)
        where T : IFloatingPointIeee754<T>
    {
        if (assigned)
        {
            Write(computed, destination);
        }
        else
        {
            held.CopyTo(destination);
        }
    }
}
