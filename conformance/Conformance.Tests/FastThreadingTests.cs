using System.Numerics;
using CsCheck;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// The fast implementation gives bit-identical results for every thread count and every run, on inputs large enough
/// to be split into many chunks (partial sums merged across chunks), and those results match the reference.
/// </summary>
public class FastThreadingTests
{
    private static readonly int[] s_threadCounts = [2, 3, 4, 7, 16];

    public static TheoryData<int[], int[]> LargeLayouts => new()
    {
        { [64, 28, 28, 16], [3] },      // channels-last, few channels: row chunks with partial sums
        { [16, 32, 28, 28], [1] },      // channels-first
        { [8, 28, 28, 64], [1, 2, 3] }, // only the batch axis reduced: wide rows, column chunks
        { [40, 70, 70, 3], [0] },       // keep the batch axis
        { [16, 28, 28, 32], [1, 3] },   // kept axes not adjacent
        { [6, 1, 40000], [1] },         // one channel
        { [600000], [0] },              // rank 1: one element per channel
        { [8, 32, 32, 260], [3] },      // 8.5 MB of float32: outputs written with streaming stores
        { [6, 16, 64, 65], [1, 2, 3] }, // rows of 66560 channels: inference in column parts, one per thread
        { [5, 65552], [1] },            // the same with an odd row count and parts of unequal widths
    };

    [Theory]
    [MemberData(nameof(LargeLayouts))]
    public void Float32_TrainingForwardAndBackward_AreBitIdenticalOnEveryThreadCount(int[] shape, int[] kept)
    {
        Problem p = Problem.Create<float>(shape, kept, seed: shape.Sum());
        Outputs<float> single = Run<float>(new FastBatchNorm(1), p);
        foreach (int threads in s_threadCounts)
        {
            AssertBitIdentical(single, Run<float>(new FastBatchNorm(threads), p), $"{threads} threads");
        }

        AssertBitIdentical(single, Run<float>(new FastBatchNorm(1), p), "a second run");
    }

    [Theory]
    [MemberData(nameof(LargeLayouts))]
    public void Float64AndHalf_AreBitIdenticalOnEveryThreadCount(int[] shape, int[] kept)
    {
        Problem p = Problem.Create<double>(shape, kept, seed: shape.Sum() + 1);
        Problem q = Problem.Create<Half>(shape, kept, seed: shape.Sum() + 1);
        Outputs<double> doubles = Run<double>(new FastBatchNorm(1), p);
        Outputs<Half> halves = Run<Half>(new FastBatchNorm(1), q);
        foreach (int threads in s_threadCounts)
        {
            AssertBitIdentical(doubles, Run<double>(new FastBatchNorm(threads), p), $"float64, {threads} threads");
            AssertBitIdentical(halves, Run<Half>(new FastBatchNorm(threads), q), $"Half, {threads} threads");
        }
    }

    [Theory]
    [MemberData(nameof(LargeLayouts))]
    public void Inference_IsBitIdenticalOnEveryThreadCount(int[] shape, int[] kept)
    {
        Problem p = Problem.Create<float>(shape, kept, seed: shape.Sum() + 3);
        long[] single = Infer<float>(new FastBatchNorm(1), p);
        long[] singleDouble = Infer<double>(new FastBatchNorm(1), p);
        foreach (int threads in s_threadCounts)
        {
            Assert.Equal(single, Infer<float>(new FastBatchNorm(threads), p));
            Assert.Equal(singleDouble, Infer<double>(new FastBatchNorm(threads), p));
        }
    }

    [Theory]
    [MemberData(nameof(LargeLayouts))]
    public void ManyThreads_MatchTheReferenceWithinTolerance(int[] shape, int[] kept)
    {
        Problem p = Problem.Create<float>(shape, kept, seed: shape.Sum() + 2);
        Outputs<double> reference = Run<double>(ScalarBatchNorm.Instance, p);
        Outputs<float> fast = Run<float>(new FastBatchNorm(4), p);
        ToleranceModel.ForwardBounds bounds = ToleranceModel.Forward(new ToleranceModel.CallInputs(
            p.Layout, p.Options, UseBatchStatistics: true, Math.ScaleB(1.0, -24), p.X, p.Gamma, p.Beta,
            p.MovingMean, p.MovingVariance, Wide(reference.Mean), Wide(reference.Variance)));
        AssertWithin("y", Wide(reference.Y), Wide(fast.Y), bounds.Y);
        AssertWithin("moving_variance", Wide(reference.MovingVariance), Wide(fast.MovingVariance), bounds.MovingVariance);
        AssertWithin("moving_mean", Wide(reference.MovingMean), Wide(fast.MovingMean), bounds.MovingMean);
    }

    [Fact]
    public void RandomMediumShapes_AreBitIdenticalOnOneAndThreeThreads()
    {
        Gen<(int[] Shape, int KeptMask)> shapes =
            from rank in Gen.Int[1, 4]
            from shape in Gen.Int[1, 90].Array[rank]
            from keptMask in Gen.Int[1, (1 << rank) - 1]
            where shape.Aggregate(1L, (a, b) => a * b) is > 70_000 and < 800_000
            select (shape, keptMask);

        shapes.Sample(s =>
        {
            int[] kept = [.. Enumerable.Range(0, s.Shape.Length).Where(a => (s.KeptMask & (1 << a)) != 0)];
            Problem p = Problem.Create<float>(s.Shape, kept, seed: s.KeptMask);
            AssertBitIdentical(Run<float>(new FastBatchNorm(1), p), Run<float>(new FastBatchNorm(3), p), $"shape {string.Join(',', s.Shape)} keep {string.Join(',', kept)}");
        }, iter: 40);
    }

    [Fact]
    public void AThreadCountBelowOne_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new FastBatchNorm(0));

    private sealed record Problem(AxisResolution Layout, BatchNormOptions Options, double[] X, double[] Dy, double[] Gamma, double[] Beta, double[] MovingMean, double[] MovingVariance)
    {
        /// <summary>
        /// A problem whose values are exact in <typeparamref name="T"/> and use all its bits, so that partial sums
        /// round and a change of summation order would show; an offset exercises the shifted sums.
        /// </summary>
        public static Problem Create<T>(int[] shape, int[] kept, int seed)
            where T : IFloatingPointIeee754<T>
        {
            var random = new Random(seed);
            AxisResolution layout = AxisResolution.Resolve(shape, AxisSpec.List(kept));
            int channels = layout.ChannelCount;
            double[] Values(int count, double scale, double shift) => [.. Enumerable.Range(0, count).Select(_ => double.CreateTruncating(T.CreateTruncating(shift + (scale * ((random.NextDouble() * 2) - 1)))))];
            return new Problem(
                layout,
                new BatchNormOptions { Epsilon = 1e-3, Momentum = 0.9 },
                Values(layout.ElementCount, 4, 20),
                Values(layout.ElementCount, 1, 0),
                Values(channels, 0.5, 1),
                Values(channels, 1, 0),
                Values(channels, 0.5, 0),
                Values(channels, 0.5, 1));
        }
    }

    private sealed record Outputs<T>(T[] Y, T[] Mean, T[] Variance, T[] MovingMean, T[] MovingVariance, T[] Dx, T[] Dgamma, T[] Dbeta);

    private static Outputs<T> Run<T>(IBatchNormalization implementation, Problem p)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = p.Layout.ChannelCount;
        T[] x = Narrow<T>(p.X), dy = Narrow<T>(p.Dy);
        var weights = new BatchNormWeights<T>(Narrow<T>(p.Gamma), Narrow<T>(p.Beta), Narrow<T>(p.MovingMean), Narrow<T>(p.MovingVariance));
        var outputs = new Outputs<T>(new T[x.Length], new T[channels], new T[channels], new T[channels], new T[channels], new T[x.Length], new T[channels], new T[channels]);
        implementation.Forward<T>(p.Layout, p.Options, true, x, weights, new ForwardDestinations<T>(outputs.Y, outputs.MovingMean, outputs.MovingVariance, outputs.Mean, outputs.Variance));
        implementation.Backward<T>(p.Layout, p.Options, true, x, dy, weights, new BackwardDestinations<T>(outputs.Dx, outputs.Dgamma, outputs.Dbeta));
        return outputs;
    }

    /// <summary>The bits of an inference call's y followed by its moving statistics and mean and variance outputs.</summary>
    private static long[] Infer<T>(IBatchNormalization implementation, Problem p)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = p.Layout.ChannelCount;
        T[] y = new T[p.X.Length], movingMean = new T[channels], movingVariance = new T[channels], mean = new T[channels], variance = new T[channels];
        var weights = new BatchNormWeights<T>(Narrow<T>(p.Gamma), Narrow<T>(p.Beta), Narrow<T>(p.MovingMean), Narrow<T>(p.MovingVariance));
        implementation.Forward<T>(p.Layout, p.Options, false, Narrow<T>(p.X), weights, new ForwardDestinations<T>(y, movingMean, movingVariance, mean, variance));
        return [.. new[] { y, movingMean, movingVariance, mean, variance }.SelectMany(values => values).Select(v => BitConverter.DoubleToInt64Bits(double.CreateTruncating(v)))];
    }

    private static void AssertBitIdentical<T>(Outputs<T> expected, Outputs<T> actual, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach ((string name, T[] e, T[] a) in new[]
        {
            ("y", expected.Y, actual.Y), ("mean", expected.Mean, actual.Mean), ("variance", expected.Variance, actual.Variance),
            ("moving_mean", expected.MovingMean, actual.MovingMean), ("moving_variance", expected.MovingVariance, actual.MovingVariance),
            ("dx", expected.Dx, actual.Dx), ("dgamma", expected.Dgamma, actual.Dgamma), ("dbeta", expected.Dbeta, actual.Dbeta),
        })
        {
            int first = FirstDifference(e, a);
            Assert.True(first < 0, $"{what}: {name}[{first}] differs: {(first < 0 ? default : e[first])} vs {(first < 0 ? default : a[first])}");
        }
    }

    private static int FirstDifference<T>(T[] expected, T[] actual)
        where T : unmanaged
    {
        ReadOnlySpan<byte> e = System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan());
        ReadOnlySpan<byte> a = System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual.AsSpan());
        int index = e.CommonPrefixLength(a);
        return index == e.Length && e.Length == a.Length ? -1 : index / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
    }

    private static void AssertWithin(string output, double[] reference, double[] actual, double[] bound)
    {
        for (int i = 0; i < reference.Length; i++)
        {
            double tolerance = ToleranceModel.Finalize(bound[i], reference[i], FixtureDType.Float32);
            Assert.True(Math.Abs(actual[i] - reference[i]) <= tolerance, $"{output}[{i}] reference {reference[i]:R}, fast {actual[i]:R}, tolerance {tolerance:G3}");
        }
    }

    private static T[] Narrow<T>(double[] values)
        where T : IFloatingPointIeee754<T> => [.. values.Select(T.CreateTruncating)];

    private static double[] Wide<T>(T[] values)
        where T : IFloatingPointIeee754<T> => [.. values.Select(double.CreateTruncating)];
}
