using BenchmarkDotNet.Attributes;

namespace BatchNormAxis.Benchmarks;

/// <summary>
/// The roofline: summing (one read) and copying (one read, one write) a 400 MB buffer. A training forward must
/// read x twice and write y once; an inference forward read once and write once.
/// </summary>
[ShortRunJob]
public class MemoryBandwidthBenchmarks
{
    private readonly float[] _source = new float[100_000_000];
    private readonly float[] _destination = new float[100_000_000];

    [GlobalSetup]
    public void Setup() => _source.AsSpan().Fill(1);

    [Benchmark]
    public float Sum() => System.Numerics.Tensors.TensorPrimitives.Sum<float>(_source);

    [Benchmark]
    public void Copy() => _source.AsSpan().CopyTo(_destination);
}
