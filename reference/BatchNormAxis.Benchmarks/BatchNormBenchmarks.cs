using BenchmarkDotNet.Attributes;

namespace BatchNormAxis.Benchmarks;

/// <summary>
/// Training forward, inference forward and backward on float32 (32, 56, 56, 64) for the keep-sets of issue 5
/// ((32, 64, 56, 56) for axis 1), the fast implementation against the scalar reference as baseline. Divide the
/// input size (25.7 MB) by the time for GB/s; <see cref="MemoryBandwidthBenchmarks"/> gives the roofline.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class BatchNormBenchmarks
{
    private AxisResolution _layout = null!;
    private float[] _x = [];
    private float[] _dy = [];
    private float[] _y = [];
    private float[] _gamma = [];
    private float[] _beta = [];
    private float[] _movingMean = [];
    private float[] _movingVariance = [];
    private float[] _newMean = [];
    private float[] _newVariance = [];

    /// <summary>The keep-set, as bnaxis spells it.</summary>
    [Params("-1", "1", "1,2,3", "0")]
    public string Axis { get; set; } = "-1";

    [GlobalSetup]
    public void Setup()
    {
        (int[] shape, AxisSpec axis) = Axis switch
        {
            "1" => (new[] { 32, 64, 56, 56 }, AxisSpec.Of(1)),
            "1,2,3" => (new[] { 32, 56, 56, 64 }, AxisSpec.List(1, 2, 3)),
            "0" => (new[] { 32, 56, 56, 64 }, AxisSpec.Of(0)),
            _ => (new[] { 32, 56, 56, 64 }, AxisSpec.Of(-1)),
        };
        _layout = AxisResolution.Resolve(shape, axis);
        var random = new Random(20261124);
        _x = [.. Enumerable.Range(0, _layout.ElementCount).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        _dy = [.. _x.Reverse()];
        _y = new float[_x.Length];
        int channels = _layout.ChannelCount;
        _gamma = [.. Enumerable.Repeat(1f, channels)];
        _beta = new float[channels];
        _movingMean = new float[channels];
        _movingVariance = [.. Enumerable.Repeat(1f, channels)];
        _newMean = new float[channels];
        _newVariance = new float[channels];
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("train")]
    public float TrainScalar() => Forward(ScalarBatchNorm.Instance, training: true);

    [Benchmark]
    [BenchmarkCategory("train")]
    public float TrainFast() => Forward(FastBatchNorm.Instance, training: true);

    [Benchmark]
    [BenchmarkCategory("infer")]
    public float InferFast() => Forward(FastBatchNorm.Instance, training: false);

    [Benchmark]
    [BenchmarkCategory("backward")]
    public float BackwardFast()
    {
        FastBatchNorm.Instance.Backward<float>(
            _layout, BatchNormOptions.Default, true, _x, _dy,
            new BatchNormWeights<float>(_gamma, _beta, _movingMean, _movingVariance),
            new BackwardDestinations<float>(_y, _newMean, _newVariance));
        return _y[^1];
    }

    private float Forward(IBatchNormalization implementation, bool training)
    {
        implementation.Forward<float>(
            _layout, BatchNormOptions.Default, training, _x,
            new BatchNormWeights<float>(_gamma, _beta, _movingMean, _movingVariance),
            new ForwardDestinations<float>(_y, _newMean, _newVariance));
        return _y[^1];
    }
}
