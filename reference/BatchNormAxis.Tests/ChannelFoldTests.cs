using System.Numerics;
using CsCheck;

namespace BatchNormAxis.Tests;

/// <summary>The float32 and float64 vector folds give the same bits as the scalar fold, special values included.</summary>
public class ChannelFoldTests
{
    private static readonly Gen<Case> s_cases =
        from channels in Gen.Int[8, 40]
        from batch in Gen.Bool
        from scale in Gen.Bool
        from center in Gen.Bool
        from outputs in Gen.Bool
        from count in PerChannelValues.Count
        from values in PerChannelValues.Any.Array[7 * channels]
        select new Case(channels, batch, scale, center, outputs, count, values);

    /// <summary>
    /// A fold of <c>Channels</c> channels of <c>Count</c> values each, with or without batch statistics, gamma, beta
    /// and the mean and variance outputs; <c>Values</c> holds seven runs of Channels: shifts, sums, squares
    /// (squared), gamma, beta, moving mean, moving variance.
    /// </summary>
    private sealed record Case(int Channels, bool Batch, bool Scale, bool Center, bool Outputs, double Count, double[] Values);

    private delegate int VectorFold<T>(in ChannelFold.Inputs<T> inputs, ForwardDestinations<T> destinations, Span<T> scale, Span<T> offset);

    [Fact]
    public void Float_EqualsScalar_BitForBit() => AssertVectorEqualsScalar<float>(ChannelFold.Float);

    [Fact]
    public void Double_EqualsScalar_BitForBit() => AssertVectorEqualsScalar<double>(ChannelFold.Double);

    private static void AssertVectorEqualsScalar<T>(VectorFold<T> vectorFold)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.SkipUnless(Vector.IsHardwareAccelerated, "no vector hardware: the scalar fold is the only path");
        s_cases.Sample(c =>
        {
            int n = c.Channels;
            double[] Slice(int k) => c.Values[(k * n)..((k + 1) * n)];
            T[] Narrow(int k) => [.. Slice(k).Select(T.CreateTruncating)];
            double[] shifts = Slice(0), sums = Slice(1), squares = [.. Slice(2).Select(v => v * v)];
            T[] gamma = Narrow(3), beta = Narrow(4), movingMean = Narrow(5), movingVariance = Narrow(6);
            var options = new BatchNormOptions { Scale = c.Scale, Center = c.Center, Momentum = 0.9, Epsilon = 1e-3 };

            T[][] Run(bool vector)
            {
                var weights = new BatchNormWeights<T>(c.Scale ? gamma : [], c.Center ? beta : [], movingMean, movingVariance);
                var inputs = new ChannelFold.Inputs<T>(c.Batch, shifts, sums, squares, c.Count, options, weights);
                int statistics = c.Outputs ? n : 0;
                T[][] o = [new T[n], new T[n], new T[n], new T[n], new T[statistics], new T[statistics]];
                var destinations = new ForwardDestinations<T>(new T[1], o[2], o[3], o[4], o[5]);
                int done = vector ? vectorFold(inputs, destinations, o[0], o[1]) : 0;
                ChannelFold.Scalar(done, inputs, destinations, o[0], o[1]);
                return o;
            }

            T[][] scalar = Run(vector: false);
            T[][] vector = Run(vector: true);
            string[] names = ["scale", "offset", "moving_mean", "moving_variance", "mean", "variance"];
            for (int k = 0; k < names.Length; k++)
            {
                for (int i = 0; i < scalar[k].Length; i++)
                {
                    Assert.True(SameBits(scalar[k][i], vector[k][i]), $"{typeof(T).Name} {names[k]}[{i}]: scalar {scalar[k][i]:R}, vector {vector[k][i]:R}");
                }
            }
        }, iter: 2000);
    }

    private static bool SameBits<T>(T expected, T actual)
        where T : unmanaged =>
        typeof(T) == typeof(float)
            ? BitConverter.SingleToInt32Bits((float)(object)expected) == BitConverter.SingleToInt32Bits((float)(object)actual)
            : BitConverter.DoubleToInt64Bits((double)(object)expected) == BitConverter.DoubleToInt64Bits((double)(object)actual);
}
