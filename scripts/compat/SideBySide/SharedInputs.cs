using BatchNormAxis.PeerBench;

namespace BatchNormAxis.SideBySide;

/// <summary>
/// The arrays of one layout, allocated once and handed to both builds, so that neither gains from where its arrays
/// happen to lie: an output that starts a few dozen bytes past its input's offset in a 4 KB page (4K aliasing) can
/// make a streaming pass 1.2 to 1.8 times as long (docs/performance.md), which two builds with arrays of their own
/// would show as a difference between the builds. The data is the peer benchmark's (LayerInputs): x fixed random in
/// [-1, 1], dy = x reversed, gamma 1, beta 0, moving mean 0, moving variance 1. x, dy and the output are allocated one
/// after the other, as LayerInputs does.
/// </summary>
internal sealed class SharedInputs
{
    public SharedInputs(BenchLayout layout)
    {
        Layout = layout;
        var random = new Random(20261124);
        X = new float[layout.ElementCount];
        for (int i = 0; i < X.Length; i++)
        {
            X[i] = (float)((random.NextDouble() * 2) - 1);
        }

        Dy = [.. X.Reverse()];
        Output = new float[X.Length];
        int channels = layout.ChannelCount;
        Gamma = [.. Enumerable.Repeat(1f, channels)];
        Beta = new float[channels];
        MovingMean = new float[channels];
        MovingVariance = [.. Enumerable.Repeat(1f, channels)];
        FirstChannelOutput = new float[channels];
        SecondChannelOutput = new float[channels];
    }

    public BenchLayout Layout { get; }

    public float[] X { get; }

    public float[] Dy { get; }

    /// <summary>y, or dx in backward.</summary>
    public float[] Output { get; }

    public float[] Gamma { get; }

    public float[] Beta { get; }

    public float[] MovingMean { get; }

    public float[] MovingVariance { get; }

    /// <summary>The new moving mean, or dgamma in backward.</summary>
    public float[] FirstChannelOutput { get; }

    /// <summary>The new moving variance, or dbeta in backward.</summary>
    public float[] SecondChannelOutput { get; }

    /// <summary>A copy of every output, to compare two builds' results bit for bit.</summary>
    public float[][] SnapshotOutputs() => [(float[])Output.Clone(), (float[])FirstChannelOutput.Clone(), (float[])SecondChannelOutput.Clone()];
}
