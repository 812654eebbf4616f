namespace BatchNormAxis.PeerBench;

/// <summary>
/// One layout of the peer benchmark: float32 (32, 56, 56, 64) with a keep-set, or (32, 64, 56, 56) for axis 1
/// (channels-first); <see cref="Axis"/> is the keep-set as <c>LayerInputs</c> and bnaxis spell it.
/// </summary>
internal sealed record BenchLayout(string Axis, long[] Shape, int[] Kept)
{
    /// <summary>The four layouts, in the order of the table.</summary>
    public static IReadOnlyList<BenchLayout> All { get; } =
    [
        new("-1", [32, 56, 56, 64], [3]),
        new("1", [32, 64, 56, 56], [1]),
        new("1,2,3", [32, 56, 56, 64], [1, 2, 3]),
        new("0", [32, 56, 56, 64], [0]),
    ];

    public int ElementCount => (int)Shape.Aggregate(1L, (product, dimension) => product * dimension);

    public int ChannelCount => (int)Kept.Aggregate(1L, (product, axis) => product * Shape[axis]);

    /// <summary>Whether the kept axes are the last ones, so the keep-set adapter needs no transpose.</summary>
    public bool KeptAxesTrail => Kept.Select((axis, i) => axis == Shape.Length - Kept.Length + i).All(trailing => trailing);

    /// <summary>
    /// The transpose-free view with the channels at axis 1, as ONNX's BatchNormalization wants them: X itself when
    /// the keep-set is axis 1, else (product of the axes before, of the kept axes, of the axes after); the kept axes
    /// are consecutive in every layout here.
    /// </summary>
    public long[] ChannelsFirstShape => Kept is [1]
        ? Shape
        : [Product(0, Kept[0]), ChannelCount, Product(Kept[^1] + 1, Shape.Length)];

    private long Product(int from, int to) => Shape[from..to].Aggregate(1L, (product, dimension) => product * dimension);
}

/// <summary>The three modes of a cell; their names are the JSON's.</summary>
internal static class Modes
{
    public const string Training = "training";
    public const string Inference = "inference";
    public const string Backward = "backward";
}
