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
    /// <summary>One thread, as the targets are stated; <see cref="ThreadScalingBenchmarks"/> uses more.</summary>
    private static readonly FastBatchNorm s_fast = new(threads: 1);

    private LayerInputs _inputs = null!;

    /// <summary>The keep-set, as bnaxis spells it.</summary>
    [Params("-1", "1", "1,2,3", "0")]
    public string Axis { get; set; } = "-1";

    [GlobalSetup]
    public void Setup() => _inputs = new LayerInputs(Axis);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("train")]
    public float TrainScalar() => _inputs.Forward(ScalarBatchNorm.Instance, training: true);

    [Benchmark]
    [BenchmarkCategory("train")]
    public float TrainFast() => _inputs.Forward(s_fast, training: true);

    [Benchmark]
    [BenchmarkCategory("infer")]
    public float InferFast() => _inputs.Forward(s_fast, training: false);

    [Benchmark]
    [BenchmarkCategory("backward")]
    public float BackwardFast() => _inputs.Backward(s_fast);
}
