namespace BatchNormAxis.Benchmarks;

/// <summary>
/// The inputs and outputs of one benchmarked call on float32 (32, 56, 56, 64) for a keep-set, (32, 64, 56, 56) for
/// axis 1 (channels-first), with fixed random data; the calls the benchmarks time.
/// </summary>
internal sealed class LayerInputs
{
    private readonly float[] _x;
    private readonly float[] _dy;
    private readonly float[] _y;
    private readonly float[] _gamma;
    private readonly float[] _beta;
    private readonly float[] _movingMean;
    private readonly float[] _movingVariance;
    private readonly float[] _newMean;
    private readonly float[] _newVariance;

    /// <param name="axis">The keep-set as bnaxis spells it: -1, 1, "1,2,3" or 0.</param>
    /// <exception cref="ArgumentException"><paramref name="axis"/> is another spelling (such as "[1,2,3]").</exception>
    public LayerInputs(string axis)
    {
        (int[] shape, AxisSpec spec) = axis switch
        {
            "1" => (new[] { 32, 64, 56, 56 }, AxisSpec.Of(1)),
            "1,2,3" => (new[] { 32, 56, 56, 64 }, AxisSpec.List(1, 2, 3)),
            "0" => (new[] { 32, 56, 56, 64 }, AxisSpec.Of(0)),
            "-1" => (new[] { 32, 56, 56, 64 }, AxisSpec.Of(-1)),
            _ => throw new ArgumentException($"axis '{axis}' is not one of -1, 1, \"1,2,3\" and 0", nameof(axis)),
        };
        Layout = AxisResolution.Resolve(shape, spec);
        var random = new Random(20261124);
        _x = [.. Enumerable.Range(0, Layout.ElementCount).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        _dy = [.. _x.Reverse()];
        _y = new float[_x.Length];
        int channels = Layout.ChannelCount;
        _gamma = [.. Enumerable.Repeat(1f, channels)];
        _beta = new float[channels];
        _movingMean = new float[channels];
        _movingVariance = [.. Enumerable.Repeat(1f, channels)];
        _newMean = new float[channels];
        _newVariance = new float[channels];
    }

    public AxisResolution Layout { get; }

    public float Forward(IBatchNormalization implementation, bool training)
    {
        implementation.Forward<float>(
            Layout, BatchNormOptions.Default, training, _x,
            new BatchNormWeights<float>(_gamma, _beta, _movingMean, _movingVariance),
            new ForwardDestinations<float>(_y, _newMean, _newVariance));
        return _y[^1];
    }

    /// <summary>dx goes to y's buffer, dgamma and dbeta to the moving statistics' outputs.</summary>
    public float Backward(IBatchNormalization implementation)
    {
        implementation.Backward<float>(
            Layout, BatchNormOptions.Default, true, _x, _dy,
            new BatchNormWeights<float>(_gamma, _beta, _movingMean, _movingVariance),
            new BackwardDestinations<float>(_y, _newMean, _newVariance));
        return _y[^1];
    }
}
