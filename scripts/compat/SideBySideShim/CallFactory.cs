namespace BatchNormAxis.SideBySide;

/// <summary>
/// The calls side-by-side.sh times, built against one revision of the library. Every parameter and result is a type
/// of .NET itself, so the host can call it across load contexts. The calls are those of the peer benchmark
/// (reference/BatchNormAxis.Benchmarks/LayerInputs.cs): training forward (y and the new moving statistics), inference,
/// and backward (dx, dgamma and dbeta).
/// </summary>
public static class CallFactory
{
    /// <param name="mode">training, inference or backward.</param>
    /// <param name="threads">The most threads a call uses (<c>new FastBatchNorm(threads)</c>).</param>
    /// <param name="shape">x's shape.</param>
    /// <param name="keptAxes">The keep-set: one axis as Keras 3 spells it, or a list as tf.keras does.</param>
    /// <param name="keptAxesAreList">Whether <paramref name="keptAxes"/> is a list (<c>AxisSpec.List</c>).</param>
    /// <param name="x">The input.</param>
    /// <param name="dy">The gradient of the output (backward only).</param>
    /// <param name="output">y, or dx in backward.</param>
    /// <param name="gamma">The scale per channel.</param>
    /// <param name="beta">The offset per channel.</param>
    /// <param name="movingMean">The moving mean before the call.</param>
    /// <param name="movingVariance">The moving variance before the call.</param>
    /// <param name="firstChannelOutput">The new moving mean in training, dgamma in backward.</param>
    /// <param name="secondChannelOutput">The new moving variance in training, dbeta in backward.</param>
    /// <returns>The call, to be made as often as wanted; every call writes the same outputs.</returns>
    public static Action Create(
        string mode,
        int threads,
        int[] shape,
        int[] keptAxes,
        bool keptAxesAreList,
        float[] x,
        float[] dy,
        float[] output,
        float[] gamma,
        float[] beta,
        float[] movingMean,
        float[] movingVariance,
        float[] firstChannelOutput,
        float[] secondChannelOutput)
    {
        AxisResolution layout = AxisResolution.Resolve(shape, keptAxesAreList ? AxisSpec.List(keptAxes) : AxisSpec.Of(keptAxes[0]));
        var fast = new FastBatchNorm(threads);
        bool training = mode == "training";
        return mode switch
        {
            "training" or "inference" => () => fast.Forward<float>(
                layout, BatchNormOptions.Default, training, x,
                new BatchNormWeights<float>(gamma, beta, movingMean, movingVariance),
                new ForwardDestinations<float>(output, firstChannelOutput, secondChannelOutput)),
            "backward" => () => fast.Backward<float>(
                layout, BatchNormOptions.Default, true, x, dy,
                new BatchNormWeights<float>(gamma, beta, movingMean, movingVariance),
                new BackwardDestinations<float>(output, firstChannelOutput, secondChannelOutput)),
            _ => throw new ArgumentException($"mode '{mode}' is not training, inference or backward", nameof(mode)),
        };
    }
}
