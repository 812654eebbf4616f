using System.Numerics;

namespace BatchNormAxis.Tests;

/// <summary>The results of one forward call, as arrays.</summary>
internal sealed record ForwardResult<T>(T[] Y, T[] MovingMean, T[] MovingVariance, T[] Mean, T[] Variance);

/// <summary>The results of one backward call, as arrays.</summary>
internal sealed record BackwardResult<T>(T[] Dx, T[] Dgamma, T[] Dbeta);

/// <summary>
/// Calls an implementation with arrays, filling in Keras' initial weights (gamma 1, beta 0, moving mean 0,
/// moving variance 1) for any weight not given.
/// </summary>
internal static class LayerCall
{
    public static ForwardResult<T> Forward<T>(
        IBatchNormalization implementation,
        AxisResolution layout,
        BatchNormOptions options,
        bool training,
        T[] x,
        T[]? gamma = null,
        T[]? beta = null,
        T[]? movingMean = null,
        T[]? movingVariance = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Weights<T> weights = Weights<T>.WithKerasDefaults(layout, options, gamma, beta, movingMean, movingVariance);
        int channels = layout.ChannelCount;
        var result = new ForwardResult<T>(new T[x.Length], new T[channels], new T[channels], new T[channels], new T[channels]);
        implementation.Forward(
            layout,
            options,
            training,
            x,
            weights.AsSpans(),
            new ForwardDestinations<T>(result.Y, result.MovingMean, result.MovingVariance, result.Mean, result.Variance));
        return result;
    }

    public static BackwardResult<T> Backward<T>(
        IBatchNormalization implementation,
        AxisResolution layout,
        BatchNormOptions options,
        bool training,
        T[] x,
        T[] dy,
        T[]? gamma = null,
        T[]? beta = null,
        T[]? movingMean = null,
        T[]? movingVariance = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Weights<T> weights = Weights<T>.WithKerasDefaults(layout, options, gamma, beta, movingMean, movingVariance);
        int channels = layout.ChannelCount;
        var result = new BackwardResult<T>(
            new T[x.Length],
            options.Scale ? new T[channels] : [],
            options.Center ? new T[channels] : []);
        implementation.Backward(
            layout,
            options,
            training,
            x,
            dy,
            weights.AsSpans(),
            new BackwardDestinations<T>(result.Dx, result.Dgamma, result.Dbeta));
        return result;
    }

    private sealed record Weights<T>(T[] Gamma, T[] Beta, T[] MovingMean, T[] MovingVariance)
        where T : IFloatingPointIeee754<T>
    {
        public static Weights<T> WithKerasDefaults(AxisResolution layout, BatchNormOptions options, T[]? gamma, T[]? beta, T[]? movingMean, T[]? movingVariance)
        {
            int channels = layout.ChannelCount;
            return new Weights<T>(
                options.Scale ? gamma ?? Filled(channels, T.One) : [],
                options.Center ? beta ?? Filled(channels, T.Zero) : [],
                movingMean ?? Filled(channels, T.Zero),
                movingVariance ?? Filled(channels, T.One));
        }

        public BatchNormWeights<T> AsSpans() => new(Gamma, Beta, MovingMean, MovingVariance);

        private static T[] Filled(int length, T value)
        {
            var values = new T[length];
            Array.Fill(values, value);
            return values;
        }
    }
}
