using System.Numerics;
using CsCheck;

namespace BatchNormAxis.Tests;

/// <summary>
/// The backward's per-channel coefficients on vectors (float32 and float64) give the same bits as the scalar loop,
/// which computes a call of one channel (shorter than any vector).
/// </summary>
public class GradientCoefficientsTests
{
    [Fact]
    public void Float_EqualsOneChannelAtATime_BitForBit() => AssertVectorEqualsScalar<float>();

    [Fact]
    public void Double_EqualsOneChannelAtATime_BitForBit() => AssertVectorEqualsScalar<double>();

    private static void AssertVectorEqualsScalar<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.SkipUnless(Vector.IsHardwareAccelerated, "no vector hardware: the scalar loop is the only path");
        Gen<(int Channels, bool Batch, bool Scale, bool Center, double Count, double[] Values)> cases =
            from channels in Gen.Int[8, 40]
            from batch in Gen.Bool
            from scale in Gen.Bool
            from center in Gen.Bool
            from count in PerChannelValues.Count
            from values in PerChannelValues.Any.Array[4 * channels]
            select (channels, batch, scale, center, count, values);

        cases.Sample(k =>
        {
            int n = k.Channels;
            double[] Slice(int part) => k.Values[(part * n)..((part + 1) * n)];
            double[] variance = [.. Slice(0).Select(Math.Abs)], sumDy = Slice(1), centred = Slice(2);
            T[] gamma = k.Scale ? [.. Slice(3).Select(T.CreateTruncating)] : [];
            var options = new BatchNormOptions { Scale = k.Scale, Center = k.Center, Epsilon = 1e-3 };

            T[][] whole = [new T[n], new T[n], new T[n], new T[k.Scale ? n : 0], new T[k.Center ? n : 0]];
            GradientCoefficients.Compute<T>(variance, sumDy, centred, gamma, options, k.Batch, k.Count, whole[0], whole[1], whole[2], whole[3], whole[4]);

            T[][] single = [new T[n], new T[n], new T[n], new T[k.Scale ? n : 0], new T[k.Center ? n : 0]];
            for (int i = 0; i < n; i++)
            {
                GradientCoefficients.Compute<T>(
                    variance.AsSpan(i, 1),
                    sumDy.AsSpan(i, 1),
                    centred.AsSpan(i, 1),
                    k.Scale ? gamma.AsSpan(i, 1) : [],
                    options,
                    k.Batch,
                    k.Count,
                    single[0].AsSpan(i, 1),
                    single[1].AsSpan(i, 1),
                    single[2].AsSpan(i, 1),
                    k.Scale ? single[3].AsSpan(i, 1) : [],
                    k.Center ? single[4].AsSpan(i, 1) : []);
            }

            string[] names = ["a", "b", "c", "dgamma", "dbeta"];
            for (int part = 0; part < names.Length; part++)
            {
                for (int i = 0; i < whole[part].Length; i++)
                {
                    Assert.True(
                        BitConverter.DoubleToInt64Bits(double.CreateTruncating(whole[part][i])) == BitConverter.DoubleToInt64Bits(double.CreateTruncating(single[part][i])),
                        $"{typeof(T).Name} {names[part]}[{i}]: one at a time {single[part][i]}, on vectors {whole[part][i]}");
                }
            }
        }, iter: 2000);
    }
}
