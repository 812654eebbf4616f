using System.Numerics;

namespace BatchNormAxis.Tests.Docs;

/// <summary>
/// Runs a <see cref="BnExample"/> on the scalar reference and gives the value of every output key it may claim.
/// </summary>
internal static class BnExampleRun
{
    /// <summary>What each output key means; the docs' readers see these names.</summary>
    public static readonly IReadOnlyList<string> OutputKeys =
    [
        "kept_axes", "reduction_axes", "param_shape", "broadcast_shape", "reduction_count", "channels",
        "mean", "variance", "y", "new_moving_mean", "new_moving_variance",
        "unbiased_variance", "unbiased_moving_variance", "keras2_moving_variance", "y_epsilon_outside",
        "float32_mean_of_squares", "float32_square_of_mean", "float32_single_pass_variance", "float32_two_pass_variance",
    ];

    /// <summary>Every output of the call, by key (all of them, whether the block claims them or not).</summary>
    public static Dictionary<string, double[]> Outputs(BnExample example)
    {
        int[] shape = example.Integers("shape");
        AxisResolution layout = AxisResolution.Resolve(shape, BnExample.ParseAxis(example.Text("axis")));
        string mode = example.Has("mode") ? example.Text("mode") : "training";
        var options = new BatchNormOptions
        {
            Momentum = example.Scalar("momentum", BatchNormOptions.Default.Momentum),
            Epsilon = example.Scalar("epsilon", BatchNormOptions.Default.Epsilon),
            Center = !example.Has("center") || example.Text("center") == "true",
            Scale = !example.Has("scale") || example.Text("scale") == "true",
            Trainable = mode != "frozen",
        };
        bool training = mode switch
        {
            "training" or "frozen" => true,
            "inference" => false,
            _ => throw new FormatException($"mode '{mode}': expected training, inference or frozen"),
        };

        Dictionary<string, double[]> outputs = (example.Has("dtype") ? example.Text("dtype") : "float64") switch
        {
            "float64" => Forward<double>(example, layout, options, training),
            "float32" => Forward<float>(example, layout, options, training),
            string other => throw new FormatException($"dtype '{other}': expected float32 or float64"),
        };

        outputs["kept_axes"] = [.. layout.KeptAxes.Select(a => (double)a)];
        outputs["reduction_axes"] = [.. layout.ReductionAxes.Select(a => (double)a)];
        outputs["param_shape"] = [.. layout.ParameterShape.Select(d => (double)d)];
        outputs["broadcast_shape"] = [.. layout.BroadcastShape.Select(d => (double)d)];
        outputs["reduction_count"] = [layout.ReductionCount];
        outputs["channels"] = [layout.ChannelCount];
        AddSinglePassFloat32(outputs, layout, example.Input("x"));
        return outputs;
    }

    private static Dictionary<string, double[]> Forward<T>(BnExample example, AxisResolution layout, BatchNormOptions options, bool training)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        T[] x = Narrow<T>(example.Input("x"));
        T[] gamma = options.Scale ? Weight<T>(example, "gamma", channels, 1) : [];
        T[] beta = options.Center ? Weight<T>(example, "beta", channels, 0) : [];
        T[] movingMean = Weight<T>(example, "moving_mean", channels, 0);
        T[] movingVariance = Weight<T>(example, "moving_variance", channels, 1);
        bool[] mask = example.Has("mask") ? [.. example.Numbers("mask").Select(flag => flag != 0)] : [];
        double[] oldMovingVariance = Widen(movingVariance);

        T[] y = new T[x.Length], mean = new T[channels], variance = new T[channels];
        int calls = (int)example.Scalar("calls", 1);
        for (int call = 0; call < calls; call++)
        {
            oldMovingVariance = Widen(movingVariance);
            ScalarBatchNorm.Instance.Forward<T>(
                layout,
                options,
                training,
                x,
                new BatchNormWeights<T>(gamma, beta, movingMean, movingVariance),
                new ForwardDestinations<T>(y, movingMean, movingVariance, mean, variance),
                mask);
        }

        // What PyTorch and tf.keras' fused path feed the moving average: n/(n-1) times the biased batch variance.
        double count = layout.ReductionCount;
        double[] unbiased = [.. Widen(variance).Select(v => v * count / (count - 1))];
        double[] unbiasedMoving = [.. unbiased.Select((v, c) => (oldMovingVariance[c] * options.Momentum) + (v * (1 - options.Momentum)))];

        // Multi-backend Keras 2.1.4 to 2.3.1: variance * n / (n - (1 + epsilon)) fed the moving average.
        double[] keras2Moving = [.. Widen(variance).Select((v, c) => (oldMovingVariance[c] * options.Momentum) + (v * count / (count - (1 + options.Epsilon)) * (1 - options.Momentum)))];

        // The classic mistake: epsilon added to the standard deviation instead of the variance.
        int[] channelOf = layout.ChannelOfEachElement();
        double[] g = gamma.Length == 0 ? [.. Enumerable.Repeat(1.0, channels)] : Widen(gamma);
        double[] b = beta.Length == 0 ? new double[channels] : Widen(beta);
        double[] m = Widen(mean), v = Widen(variance), xs = Widen(x);
        double[] yOutside = [.. xs.Select((value, i) => (g[channelOf[i]] * (value - m[channelOf[i]]) / (Math.Sqrt(v[channelOf[i]]) + options.Epsilon)) + b[channelOf[i]])];

        return new Dictionary<string, double[]>(StringComparer.Ordinal)
        {
            ["y"] = Widen(y),
            ["mean"] = m,
            ["variance"] = v,
            ["new_moving_mean"] = Widen(movingMean),
            ["new_moving_variance"] = Widen(movingVariance),
            ["unbiased_variance"] = unbiased,
            ["unbiased_moving_variance"] = unbiasedMoving,
            ["keras2_moving_variance"] = keras2Moving,
            ["y_epsilon_outside"] = yOutside,
        };
    }

    /// <summary>
    /// The single-pass variance <c>E[x²] - E[x]²</c> computed in float32 the plain way, summing left to right, next
    /// to the two-pass one in float32: what a float32 implementation gets, not what the reference computes.
    /// </summary>
    private static void AddSinglePassFloat32(Dictionary<string, double[]> outputs, AxisResolution layout, double[] input)
    {
        int channels = layout.ChannelCount;
        int[] channelOf = layout.ChannelOfEachElement();
        float[] x = [.. input.Select(value => (float)value)];
        float[] sum = new float[channels], sumOfSquares = new float[channels];
        for (int i = 0; i < x.Length; i++)
        {
            sum[channelOf[i]] += x[i];
            sumOfSquares[channelOf[i]] += x[i] * x[i];
        }

        float count = layout.ReductionCount;
        float[] mean = [.. sum.Select(s => s / count)];
        float[] meanOfSquares = [.. sumOfSquares.Select(s => s / count)];
        float[] squareOfMean = [.. mean.Select(m => m * m)];
        float[] squaredDeviations = new float[channels];
        for (int i = 0; i < x.Length; i++)
        {
            float deviation = x[i] - mean[channelOf[i]];
            squaredDeviations[channelOf[i]] += deviation * deviation;
        }

        outputs["float32_mean_of_squares"] = [.. meanOfSquares.Select(value => (double)value)];
        outputs["float32_square_of_mean"] = [.. squareOfMean.Select(value => (double)value)];
        outputs["float32_single_pass_variance"] = [.. meanOfSquares.Select((value, c) => (double)(value - squareOfMean[c]))];
        outputs["float32_two_pass_variance"] = [.. squaredDeviations.Select(s => (double)(s / count))];
    }

    private static T[] Weight<T>(BnExample example, string key, int channels, double fallback)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        example.Has(key) ? Narrow<T>(example.Input(key)) : Narrow<T>([.. Enumerable.Repeat(fallback, channels)]);

    private static T[] Narrow<T>(double[] values)
        where T : unmanaged, IFloatingPointIeee754<T> => [.. values.Select(T.CreateChecked)];

    private static double[] Widen<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T> => [.. values.Select(double.CreateChecked)];
}
