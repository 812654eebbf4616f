using System.Numerics;

namespace BatchNormAxis.Tests;

/// <summary>The seven per-channel arrays of a renormalizing layer, in Keras' weight order.</summary>
internal sealed record RenormLayerState<T>(T[] Gamma, T[] Beta, T[] MovingMean, T[] MovingVariance, T[] MovingStddev, T[] RenormMean, T[] RenormStddev)
    where T : IFloatingPointIeee754<T>
{
    /// <summary>A state of doubles converted to <typeparamref name="T"/> (each value chosen exactly representable by the test).</summary>
    public static RenormLayerState<T> From(RenormLayerState<double> values) => new(
        Convert(values.Gamma), Convert(values.Beta), Convert(values.MovingMean), Convert(values.MovingVariance),
        Convert(values.MovingStddev), Convert(values.RenormMean), Convert(values.RenormStddev));

    /// <summary>The weights as the spans a call takes; gamma and beta left out when the layer has none.</summary>
    public BatchNormWeights<T> AsWeights(BatchNormOptions options) => new(
        options.Scale ? Gamma : [], options.Center ? Beta : [], MovingMean, MovingVariance, MovingStddev, RenormMean, RenormStddev);

    private static T[] Convert(double[] values) => [.. values.Select(T.CreateTruncating)];
}

/// <summary>What a renormalizing forward call wrote: y and the five statistics after the call.</summary>
internal sealed record RenormForwardResult<T>(T[] Y, T[] MovingMean, T[] MovingVariance, T[] MovingStddev, T[] RenormMean, T[] RenormStddev);

/// <summary>Calls an implementation on a renormalizing layer with arrays, writing every result to fresh memory.</summary>
internal static class RenormLayerCall
{
    public static RenormForwardResult<T> Forward<T>(
        IBatchNormalization implementation, AxisResolution layout, BatchNormOptions options, bool training, T[] x, RenormLayerState<T> state, bool[]? mask = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        var result = new RenormForwardResult<T>(new T[x.Length], new T[channels], new T[channels], new T[channels], new T[channels], new T[channels]);
        implementation.Forward(
            layout,
            options,
            training,
            x,
            state.AsWeights(options),
            new ForwardDestinations<T>(result.Y, result.MovingMean, result.MovingVariance, movingStddev: result.MovingStddev, renormMean: result.RenormMean, renormStddev: result.RenormStddev),
            mask ?? []);
        return result;
    }

    public static BackwardResult<T> Backward<T>(
        IBatchNormalization implementation, AxisResolution layout, BatchNormOptions options, bool training, T[] x, T[] dy, RenormLayerState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        var result = new BackwardResult<T>(new T[x.Length], options.Scale ? new T[channels] : [], options.Center ? new T[channels] : []);
        implementation.Backward(layout, options, training, x, dy, state.AsWeights(options), new BackwardDestinations<T>(result.Dx, result.Dgamma, result.Dbeta));
        return result;
    }
}
