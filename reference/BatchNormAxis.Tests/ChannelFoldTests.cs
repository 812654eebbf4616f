using System.Numerics;
using CsCheck;

namespace BatchNormAxis.Tests;

/// <summary>The float32 vector fold gives the same bits as the scalar fold, special values included.</summary>
public class ChannelFoldTests
{
    private static readonly Gen<double> s_values = Gen.Frequency(
        (8, Gen.Double[-100, 100]),
        (1, Gen.Int[0, 5].Select(i => new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 1e-30 }[i])));

    [Fact]
    public void Vector_EqualsScalar_BitForBit()
    {
        Assert.SkipUnless(Vector.IsHardwareAccelerated, "no vector hardware: the scalar fold is the only path");
        Gen<(int Channels, bool Batch, bool Scale, bool Center, bool Outputs, double[] Values)> cases =
            from channels in Gen.Int[8, 40]
            from batch in Gen.Bool
            from scale in Gen.Bool
            from center in Gen.Bool
            from outputs in Gen.Bool
            from values in s_values.Array[7 * channels]
            select (channels, batch, scale, center, outputs, values);

        cases.Sample(c =>
        {
            int n = c.Channels;
            double[] Slice(int k) => c.Values[(k * n)..((k + 1) * n)];
            float[] Floats(int k) => [.. Slice(k).Select(v => (float)v)];
            double[] shifts = Slice(0), sums = Slice(1), squares = [.. Slice(2).Select(v => v * v)];
            float[] gamma = Floats(3), beta = Floats(4), movingMean = Floats(5), movingVariance = Floats(6);
            var options = new BatchNormOptions { Scale = c.Scale, Center = c.Center, Momentum = 0.9, Epsilon = 1e-3 };

            (float[] Scale, float[] Offset, float[] MovingMean, float[] MovingVariance, float[] Mean, float[] Variance) Run(bool vector)
            {
                var weights = new BatchNormWeights<float>(c.Scale ? gamma : [], c.Center ? beta : [], movingMean, movingVariance);
                var inputs = new ChannelFold.Inputs<float>(c.Batch, shifts, sums, squares, 12, options, weights);
                var o = (new float[n], new float[n], new float[n], new float[n], new float[c.Outputs ? n : 0], new float[c.Outputs ? n : 0]);
                var destinations = new ForwardDestinations<float>(new float[1], o.Item3, o.Item4, o.Item5, o.Item6);
                int done = vector ? ChannelFold.Float(inputs, destinations, o.Item1, o.Item2) : 0;
                ChannelFold.Scalar(done, inputs, destinations, o.Item1, o.Item2);
                return o;
            }

            var scalar = Run(vector: false);
            var vector = Run(vector: true);
            AssertSameBits(scalar.Scale, vector.Scale, "scale");
            AssertSameBits(scalar.Offset, vector.Offset, "offset");
            AssertSameBits(scalar.MovingMean, vector.MovingMean, "moving_mean");
            AssertSameBits(scalar.MovingVariance, vector.MovingVariance, "moving_variance");
            AssertSameBits(scalar.Mean, vector.Mean, "mean");
            AssertSameBits(scalar.Variance, vector.Variance, "variance");
        }, iter: 2000);
    }

    private static void AssertSameBits(float[] expected, float[] actual, string name)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(
                BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{name}[{i}]: scalar {expected[i]:R}, vector {actual[i]:R}");
        }
    }
}
