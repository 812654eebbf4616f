using System.Numerics;
using CsCheck;

namespace BatchNormAxis.Tests;

/// <summary>
/// The fast implementation on renormalizing layers, on random shapes, keep-sets, modes, clips and dtypes. It routes a
/// renormalizing training call to the reference, so there it must equal the reference bit for bit; an inference or
/// frozen call is a call without renorm, so there it must equal its own call without renorm bit for bit and copy the
/// renorm statistics unchanged.
/// </summary>
public class RenormFastAgreementTests
{
    private static readonly IBatchNormalization s_fast = new FastBatchNorm(threads: 2);
    private static readonly IBatchNormalization s_reference = ScalarBatchNorm.Instance;

    private sealed record Problem(AxisResolution Layout, BatchNormOptions Options, bool Training, bool Masked, int Seed)
    {
        public override string ToString() =>
            $"shape {ShapeText.Tuple(Layout.Shape.AsSpan())} keep {ShapeText.List(Layout.KeptAxes.AsSpan())} training={Training} trainable={Options.Trainable} center={Options.Center} scale={Options.Scale} masked={Masked} renorm={Options.Renorm} seed={Seed}";
    }

    private static readonly Gen<Problem> s_problems =
        from rank in Gen.Int[1, 5]
        from shape in Gen.Int[1, 5].Array[rank]
        from keptMask in Gen.Int[1, (1 << rank) - 1]
        from mode in Gen.Int[0, 2]
        from flags in Gen.Int[0, 3]
        from clips in Gen.Int[0, 7]
        from masked in Gen.Bool
        from seed in Gen.Int
        select Create(shape, keptMask, mode, flags, clips, masked, seed);

    [Fact]
    public void Float32_FastEqualsItsDefinition() => s_problems.Sample(Check<float>, iter: 400);

    [Fact]
    public void Float64_FastEqualsItsDefinition() => s_problems.Sample(Check<double>, iter: 400);

    [Fact]
    public void Half_FastEqualsItsDefinition() => s_problems.Sample(Check<Half>, iter: 400);

    private static void Check<T>(Problem p)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (T[] x, T[] dy, RenormLayerState<T> state, bool[] mask) = Inputs<T>(p);
        RenormForwardResult<T> fast = RenormLayerCall.Forward(s_fast, p.Layout, p.Options, p.Training, x, state, mask);
        BackwardResult<T> fastGradient = RenormLayerCall.Backward(s_fast, p.Layout, p.Options, p.Training, x, dy, state);
        if (p.Training && p.Options.Trainable)
        {
            RenormForwardResult<T> reference = RenormLayerCall.Forward(s_reference, p.Layout, p.Options, p.Training, x, state, mask);
            BackwardResult<T> referenceGradient = RenormLayerCall.Backward(s_reference, p.Layout, p.Options, p.Training, x, dy, state);
            Assert.Equal(reference, fast, RenormForwardResultComparer<T>.Instance);
            Assert.Equal(referenceGradient.Dx, fastGradient.Dx);
            Assert.Equal(referenceGradient.Dgamma, fastGradient.Dgamma);
            Assert.Equal(referenceGradient.Dbeta, fastGradient.Dbeta);
            return;
        }

        BatchNormOptions plain = p.Options with { Renorm = null };
        RenormForwardResult<T> withoutRenorm = ForwardWithoutRenorm(p.Layout, plain, p.Training, x, state, mask);
        BackwardResult<T> gradientWithoutRenorm = LayerCall.Backward(s_fast, p.Layout, plain, p.Training, x, dy, state.Gamma, state.Beta, state.MovingMean, state.MovingVariance);
        Assert.Equal(withoutRenorm.Y, fast.Y);
        Assert.Equal(withoutRenorm.MovingMean, fast.MovingMean);
        Assert.Equal(withoutRenorm.MovingVariance, fast.MovingVariance);
        Assert.Equal(state.MovingStddev, fast.MovingStddev);
        Assert.Equal(state.RenormMean, fast.RenormMean);
        Assert.Equal(state.RenormStddev, fast.RenormStddev);
        Assert.Equal(gradientWithoutRenorm.Dx, fastGradient.Dx);
        Assert.Equal(gradientWithoutRenorm.Dgamma, fastGradient.Dgamma);
        Assert.Equal(gradientWithoutRenorm.Dbeta, fastGradient.Dbeta);
    }

    /// <summary>The same call on a layer without renorm: the three renorm buffers empty (their outputs stay empty).</summary>
    private static RenormForwardResult<T> ForwardWithoutRenorm<T>(AxisResolution layout, BatchNormOptions options, bool training, T[] x, RenormLayerState<T> state, bool[] mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        var result = new RenormForwardResult<T>(new T[x.Length], new T[channels], new T[channels], [], [], []);
        s_fast.Forward(
            layout,
            options,
            training,
            x,
            new BatchNormWeights<T>(options.Scale ? state.Gamma : [], options.Center ? state.Beta : [], state.MovingMean, state.MovingVariance),
            new ForwardDestinations<T>(result.Y, result.MovingMean, result.MovingVariance),
            mask);
        return result;
    }

    private static Problem Create(int[] shape, int keptMask, int mode, int flags, int clips, bool masked, int seed)
    {
        int[] kept = [.. Enumerable.Range(0, shape.Length).Where(a => ((keptMask >> a) & 1) == 1)];
        var random = new Random(seed);
        var renorm = new RenormOptions
        {
            Momentum = random.NextDouble(),
            RMin = (clips & 1) != 0 ? 0.5 + (0.5 * random.NextDouble()) : null,
            RMax = (clips & 2) != 0 ? 1 + random.NextDouble() : null,
            DMax = (clips & 4) != 0 ? random.NextDouble() : null,
        };
        var options = new BatchNormOptions
        {
            Trainable = mode != 2,
            Center = (flags & 1) == 0,
            Scale = (flags & 2) == 0,
            Momentum = random.NextDouble(),
            Epsilon = new[] { 1e-3, 1e-5, 0.1 }[random.Next(3)],
            Renorm = renorm,
        };
        return new Problem(AxisResolution.Resolve(shape, AxisSpec.List(kept)), options, Training: mode != 1, masked, seed);
    }

    /// <summary>Inputs in T: data around an offset, positive stddev statistics (some below sqrt(epsilon)), a random mask.</summary>
    private static (T[] X, T[] Dy, RenormLayerState<T> State, bool[] Mask) Inputs<T>(Problem p)
        where T : IFloatingPointIeee754<T>
    {
        var random = new Random(p.Seed);
        int channels = p.Layout.ChannelCount;
        T[] Values(int length, double offset, double scale) => [.. Enumerable.Range(0, length).Select(_ => T.CreateTruncating(offset + (scale * ((2 * random.NextDouble()) - 1))))];
        T[] Positive(int length) => [.. Enumerable.Range(0, length).Select(_ => T.CreateTruncating(random.NextDouble() * 2))];
        var state = new RenormLayerState<T>(
            Values(channels, 1, 0.5), Values(channels, 0, 1), Values(channels, 0, 2), Positive(channels), Positive(channels), Values(channels, 0, 2), Positive(channels));
        int positions = p.Layout.ElementCount / p.Layout.Shape[^1];
        bool[] mask = p.Masked ? [.. Enumerable.Range(0, positions).Select(_ => random.Next(4) != 0)] : [];
        return (Values(p.Layout.ElementCount, 3, 2), Values(p.Layout.ElementCount, 0, 1), state, mask);
    }

    /// <summary>Bit-for-bit equality of every array of two forward results.</summary>
    private sealed class RenormForwardResultComparer<T> : IEqualityComparer<RenormForwardResult<T>>
        where T : IFloatingPointIeee754<T>
    {
        public static RenormForwardResultComparer<T> Instance { get; } = new();

        public bool Equals(RenormForwardResult<T>? a, RenormForwardResult<T>? b) =>
            a is not null && b is not null
            && a.Y.SequenceEqual(b.Y) && a.MovingMean.SequenceEqual(b.MovingMean) && a.MovingVariance.SequenceEqual(b.MovingVariance)
            && a.MovingStddev.SequenceEqual(b.MovingStddev) && a.RenormMean.SequenceEqual(b.RenormMean) && a.RenormStddev.SequenceEqual(b.RenormStddev);

        public int GetHashCode(RenormForwardResult<T> obj) => 0;
    }
}
