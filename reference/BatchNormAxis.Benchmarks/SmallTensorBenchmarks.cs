using BenchmarkDotNet.Attributes;

namespace BatchNormAxis.Benchmarks;

/// <summary>Per-call overhead: a training forward on an (8, 16) tensor.</summary>
[MemoryDiagnoser]
public class SmallTensorBenchmarks
{
    private readonly AxisResolution _layout = AxisResolution.Resolve([8, 16], AxisSpec.Default);
    private readonly float[] _x = [.. Enumerable.Range(0, 128).Select(i => MathF.Sin(i))];
    private readonly float[] _y = new float[128];
    private readonly float[] _gamma = [.. Enumerable.Repeat(1f, 16)];
    private readonly float[] _beta = new float[16];
    private readonly float[] _movingMean = new float[16];
    private readonly float[] _movingVariance = [.. Enumerable.Repeat(1f, 16)];
    private readonly float[] _newMean = new float[16];
    private readonly float[] _newVariance = new float[16];

    [Benchmark(Baseline = true)]
    public float Scalar() => Forward(ScalarBatchNorm.Instance);

    [Benchmark]
    public float Fast() => Forward(FastBatchNorm.Instance); // every processor: small inputs stay on the caller

    private float Forward(IBatchNormalization implementation)
    {
        implementation.Forward<float>(
            _layout, BatchNormOptions.Default, true, _x,
            new BatchNormWeights<float>(_gamma, _beta, _movingMean, _movingVariance),
            new ForwardDestinations<float>(_y, _newMean, _newVariance));
        return _y[^1];
    }
}
