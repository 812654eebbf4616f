using BenchmarkDotNet.Attributes;

namespace BatchNormAxis.Benchmarks;

/// <summary>
/// The fast implementation's training forward and backward on float32 (32, 56, 56, 64) ((32, 64, 56, 56) for axis 1)
/// on 1 and 2 threads. Results are bit-identical for both (tested); only the time differs.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ThreadScalingBenchmarks
{
    private FastBatchNorm _fast = null!;
    private LayerInputs _inputs = null!;

    /// <summary>The keep-set, as bnaxis spells it.</summary>
    [Params("-1", "1", "1,2,3", "0")]
    public string Axis { get; set; } = "-1";

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        _fast = new FastBatchNorm(Threads);
        _inputs = new LayerInputs(Axis);
    }

    [Benchmark]
    public float Train() => _inputs.Forward(_fast, training: true);

    [Benchmark]
    public float Backward() => _inputs.Backward(_fast);
}
