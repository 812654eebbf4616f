namespace BatchNormAxis.PeerBench;

/// <summary>
/// <c>new FastBatchNorm(threads)</c> through the calls of the BenchmarkDotNet benchmarks (<c>LayerInputs</c>):
/// training forward, inference, and backward (dx, dgamma, dbeta from x and dy; the fast backward computes the batch
/// statistics itself), same data.
/// </summary>
internal static class FastCells
{
    public static IEnumerable<Cell> For(int threads)
    {
        var fast = new FastBatchNorm(threads);
        foreach (BenchLayout layout in BenchLayout.All)
        {
            var inputs = new BatchNormAxis.Benchmarks.LayerInputs(layout.Axis);
            yield return new Cell(layout, Modes.Training, () => inputs.Forward(fast, training: true));
            yield return new Cell(layout, Modes.Inference, () => inputs.Forward(fast, training: false));
            yield return new Cell(layout, Modes.Backward, () => inputs.Backward(fast));
        }
    }
}
