namespace BatchNormAxis.PeerBench;

/// <summary>One timed cell: a layout, a mode, the call to time, and what the call holds until it is timed.</summary>
internal sealed class Cell(BenchLayout layout, string mode, Action call, IDisposable? resources = null) : IDisposable
{
    public BenchLayout Layout { get; } = layout;

    public string Mode { get; } = mode;

    public Action Call { get; } = call;

    public void Dispose() => resources?.Dispose();
}
