using System.Numerics;

namespace BatchNormAxis.Tests;

/// <summary>
/// The scalar reference against values computed independently of it: by hand, or by running Keras 3's own NumPy-backend
/// moments and batch_normalization and TF.js 4.22.0 (CPU backend); the Keras code is
/// https://github.com/keras-team/keras/blob/3422977a5e/keras/src/backend/numpy/nn.py.
/// </summary>
public class ScalarForwardTests
{
    private static readonly IBatchNormalization s_reference = ScalarBatchNorm.Instance;

    /// <summary>x=[[1,2],[3,4],[5,7]], axis -1, epsilon 1e-3, momentum 0.99, fresh moving statistics.</summary>
    [Fact]
    public void CaseA_TrainingStatisticsAndMovingUpdate()
    {
        AxisResolution layout = AxisResolution.Resolve([3, 2], AxisSpec.Default);
        ForwardResult<float> result = LayerCall.Forward(s_reference, layout, BatchNormOptions.Default, training: true, [1f, 2f, 3f, 4f, 5f, 7f]);

        // Hand-checked: mean (1+3+5)/3 = 3 and (2+4+7)/3 = 13/3; biased variance (4+0+4)/3 = 8/3 and
        // ((7/3)^2 + (1/3)^2 + (8/3)^2)/3 = 114/27 = 38/9.
        Assert.Equal([3f, 13f / 3f], result.Mean);
        Assert.Equal([(float)(8.0 / 3.0), (float)(38.0 / 9.0)], result.Variance);

        // moving = moving * 0.99 + batch * 0.01 from (0, 1): the published Keras and TF.js values.
        Float32Ulp.AssertClose(0.03, result.MovingMean[0], 0.03, 1, "moving_mean[0]");
        Float32Ulp.AssertClose(0.043333333, result.MovingMean[1], 0.043333333, 1, "moving_mean[1]");
        Float32Ulp.AssertClose(1.0166667, result.MovingVariance[0], 1.0166667, 1, "moving_variance[0]");
        Float32Ulp.AssertClose(1.0322223, result.MovingVariance[1], 1.0322223, 1, "moving_variance[1]");
    }

    [Fact]
    public void CaseA_TrainingOutputMatchesKerasAndTfjs()
    {
        AxisResolution layout = AxisResolution.Resolve([3, 2], AxisSpec.Default);
        ForwardResult<float> result = LayerCall.Forward(s_reference, layout, BatchNormOptions.Default, training: true, [1f, 2f, 3f, 4f, 5f, 7f]);

        // Keras 3 NumPy backend, full float32 precision, and TF.js 4.22 (CPU backend). The two
        // disagree in the last bits with each other; the reference, computing in double, must sit within a few
        // float32 ULPs of both.
        // float32 errs in x - mean by up to an ULP of |x| + |mean| (the mean itself is rounded), so the bound
        // is a few ULPs of (|x| + |mean|) / sqrt(variance + epsilon), not of y: y[3] = (4 - 4.3333335) / 2.05.
        double[] keras = [-1.2245151996612549, -1.1354155540466309, 0.0, -0.16220223903656006, 1.224515438079834, 1.2976179122924805];
        double[] tfjs = [-1.2245153188705444, -1.1354155540466309, 0, -0.16220228374004364, 1.2245153188705444, 1.2976176738739014];
        float[] x = [1f, 2f, 3f, 4f, 5f, 7f];
        for (int i = 0; i < keras.Length; i++)
        {
            int channel = i % 2;
            double magnitude = (Math.Abs(x[i]) + Math.Abs(result.Mean[channel])) / Math.Sqrt(result.Variance[channel] + 1e-3);
            Float32Ulp.AssertClose(keras[i], result.Y[i], magnitude, 2, $"y[{i}] vs Keras");
            Float32Ulp.AssertClose(tfjs[i], result.Y[i], magnitude, 2, $"y[{i}] vs TF.js");
        }

        // And within one float32 rounding of the closed form (x - mean) / sqrt(variance + epsilon), worked out here.
        double[] closedForm =
        [
            (1 - 3) / Math.Sqrt((8.0 / 3) + 1e-3), (2 - (13.0 / 3)) / Math.Sqrt((38.0 / 9) + 1e-3),
            0, (4 - (13.0 / 3)) / Math.Sqrt((38.0 / 9) + 1e-3),
            (5 - 3) / Math.Sqrt((8.0 / 3) + 1e-3), (7 - (13.0 / 3)) / Math.Sqrt((38.0 / 9) + 1e-3),
        ];
        for (int i = 0; i < closedForm.Length; i++)
        {
            Float32Ulp.AssertClose(closedForm[i], result.Y[i], Math.Abs(closedForm[i]), 0.5, $"y[{i}] vs closed form");
        }
    }

    [Fact]
    public void CaseA_Float64StatisticsAreExactToDoubleRounding()
    {
        AxisResolution layout = AxisResolution.Resolve([3, 2], AxisSpec.Default);
        ForwardResult<double> result = LayerCall.Forward(s_reference, layout, BatchNormOptions.Default, training: true, [1.0, 2, 3, 4, 5, 7]);

        Assert.Equal(3.0, result.Mean[0]);
        Assert.Equal(13.0 / 3.0, result.Mean[1], 15);
        Assert.Equal(8.0 / 3.0, result.Variance[0], 15);
        Assert.Equal(38.0 / 9.0, result.Variance[1], 15);
        Assert.Equal(0.01 * 3.0, result.MovingMean[0], 15);
        Assert.Equal(0.99 + (0.01 * 8.0 / 3.0), result.MovingVariance[0], 15);
    }

    /// <summary>NCHW, axis 1, gamma and beta per channel, momentum 0.9; x = arange(24).reshape(2,3,2,2) * 0.5 - 3.</summary>
    [Fact]
    public void CaseB_ChannelsFirstTrainingThenInferenceMatchKeras()
    {
        AxisResolution layout = AxisResolution.Resolve([2, 3, 2, 2], AxisSpec.Of(1));
        var options = new BatchNormOptions { Momentum = 0.9 };
        float[] x = [.. Enumerable.Range(0, 24).Select(i => (i * 0.5f) - 3f)];
        float[] gamma = [1f, 2f, 0.5f];
        float[] beta = [0f, 0.1f, -0.2f];

        ForwardResult<float> training = LayerCall.Forward(s_reference, layout, options, training: true, x, gamma, beta);

        // Each channel holds 8 values: two planes of 4, 6 apart in steps of 0.5. Mean of channel c is
        // -3 + 0.5 * (4c + 1.5 + 6): 0.75, 2.75, 4.75; all three share the variance 9.3125.
        Assert.Equal([0.75f, 2.75f, 4.75f], training.Mean);
        Assert.Equal([9.3125f, 9.3125f, 9.3125f], training.Variance);
        Float32Ulp.AssertClose(0.075, training.MovingMean[0], 0.075, 1, "moving_mean[0]");
        Float32Ulp.AssertClose(0.275, training.MovingMean[1], 0.275, 1, "moving_mean[1]");
        Float32Ulp.AssertClose(0.475, training.MovingMean[2], 0.475, 1, "moving_mean[2]");
        Assert.All(training.MovingVariance, v => Float32Ulp.AssertClose(1.83125, v, 1.83125, 1, "moving_variance"));

        double[] kerasTraining =
        [
            -1.228781819343567, -1.0649442672729492, -0.9011067152023315, -0.7372691035270691,
            -2.3575637340545654, -2.02988862991333, -1.7022134065628052, -1.3745381832122803,
            -0.8143908977508545, -0.7324721217155457, -0.6505533456802368, -0.568634569644928,
            0.7372691035270691, 0.9011067152023315, 1.0649442672729492, 1.228781819343567,
            1.5745381116867065, 1.902213454246521, 2.229888439178467, 2.5575637817382812,
            0.1686345934867859, 0.25055330991744995, 0.33247214555740356, 0.4143909811973572,
        ];
        AssertMatchesKeras(kerasTraining, training.Y, beta);

        // Inference with the updated moving statistics.
        ForwardResult<float> inference = LayerCall.Forward(
            s_reference, layout, options, training: false, x, gamma, beta, training.MovingMean, training.MovingVariance);
        double[] kerasInference =
        [
            -2.2717092037200928, -1.9023255109786987, -1.5329419374465942, -1.1635583639144897,
            -1.7838563919067383, -1.0450892448425293, -0.30632197856903076, 0.432445228099823,
            -0.006073623895645142, 0.1786181926727295, 0.36330997943878174, 0.548001766204834,
            2.1608941555023193, 2.530277729034424, 2.8996613025665283, 3.269044876098633,
            7.081349849700928, 7.820116996765137, 8.558884620666504, 9.297651290893555,
            2.2102279663085938, 2.3949196338653564, 2.5796115398406982, 2.76430344581604,
        ];
        AssertMatchesKeras(kerasInference, inference.Y, beta);
        Assert.Equal(training.MovingMean, inference.MovingMean);
        Assert.Equal(training.MovingVariance, inference.MovingVariance);
    }

    /// <summary>10000 and 10000.009765625 alternating; E[x²]-E[x]² gives 0 here, the two-pass variance is exact.</summary>
    [Fact]
    public void CaseC_LargeOffsetVarianceIsExact()
    {
        AxisResolution layout = AxisResolution.Resolve([8, 1], AxisSpec.Default);
        float[] x = [.. Enumerable.Range(0, 8).Select(i => i % 2 == 0 ? 10000f : 10000.009765625f)];

        ForwardResult<float> result = LayerCall.Forward(s_reference, layout, BatchNormOptions.Default, training: true, x);

        // Half the spacing of the two values, squared: (0.009765625 / 2)^2 = 25 / 2^20, exact in float32.
        Assert.Equal(2.384185791015625e-05f, result.Variance[0]);
        Assert.Equal(10000.0048828125f, result.Mean[0]);
    }

    /// <summary>Rank 1, every element its own channel: variance 0, so y is exactly beta.</summary>
    [Fact]
    public void CaseD_RankOneGivesBeta()
    {
        AxisResolution layout = AxisResolution.Resolve([4], AxisSpec.Default);
        ForwardResult<float> result = LayerCall.Forward(
            s_reference, layout, BatchNormOptions.Default, training: true, [1f, 2f, 3f, 4f], beta: [0.5f, 0.5f, 0.5f, 0.5f]);

        Assert.Equal([1f, 2f, 3f, 4f], result.Mean);
        Assert.Equal([0f, 0f, 0f, 0f], result.Variance);
        Assert.Equal([0.5f, 0.5f, 0.5f, 0.5f], result.Y);
    }

    /// <summary>16 values near 1000 with a spread of 7e-4, where Keras-NumPy's single-pass variance is -0.0625 and y is NaN.</summary>
    [Fact]
    public void CaseE_TwoPassVarianceStaysPositiveAndOutputFinite()
    {
        float[] x =
        [
            999.9994506835938f, 999.9996948242188f, 1000.0004272460938f, 1000.0010375976562f,
            999.9998779296875f, 1000.0013427734375f, 999.9993286132812f, 1000.0003662109375f,
            1000.0009155273438f, 1000.0001220703125f, 999.999267578125f, 999.9990844726562f,
            999.9995727539062f, 1000.000244140625f, 999.9989624023438f, 999.9998168945312f,
        ];
        AxisResolution layout = AxisResolution.Resolve([16, 1], AxisSpec.Default);

        ForwardResult<float> result = LayerCall.Forward(s_reference, layout, BatchNormOptions.Default, training: true, x);

        // The exact variance of these 16 floats, in integers: each is a multiple of 2^-14 (float32 spacing
        // between 512 and 1024), so with s = x * 2^14 the variance is sum((16 s - sum(s))^2) / (16^3 * 2^28).
        long[] scaled = [.. x.Select(v => (long)((double)v * 16384))];
        Assert.All(x, v => Assert.Equal((double)v * 16384, Math.Floor((double)v * 16384)));
        long scaledSum = scaled.Sum();
        BigInteger numerator = scaled.Aggregate(BigInteger.Zero, (total, s) => total + BigInteger.Pow((16 * s) - scaledSum, 2));
        double exactVariance = (double)numerator / (4096.0 * 268435456.0);
        Float32Ulp.AssertClose(exactVariance, result.Variance[0], exactVariance, 0.5, "variance");

        // TF.js's two-pass float32 variance, 4.773028194904327e-07, took deviations from a mean rounded to float32,
        // off by d <= half an ULP of 1000 = 2^-15; that adds d^2 <= 2^-30 to the variance (plus float32 rounding).
        double tfjsExcess = 4.773028194904327e-07 - result.Variance[0];
        Assert.InRange(tfjsExcess, 0, Math.Pow(2, -30) + Float32Ulp.At(4.8e-7));
        Assert.All(result.Y, v => Assert.True(float.IsFinite(v)));
    }

    /// <summary>Momentum 0 makes the moving statistics the batch statistics, biased variance.</summary>
    [Fact]
    public void MomentumZero_MovingVarianceIsTheBiasedBatchVariance()
    {
        AxisResolution layout = AxisResolution.Resolve([4, 1], AxisSpec.Default);
        ForwardResult<float> result = LayerCall.Forward(
            s_reference, layout, new BatchNormOptions { Momentum = 0 }, training: true, [1f, 2f, 3f, 4f]);

        // Keras: 1.25; PyTorch's unbiased estimator would give 1.6666667, multi-backend Keras 2.2 1.6672224.
        Assert.Equal([2.5f], result.MovingMean);
        Assert.Equal([1.25f], result.MovingVariance);
    }

    [Fact]
    public void MomentumOne_MovingStatisticsStayPut()
    {
        AxisResolution layout = AxisResolution.Resolve([4, 1], AxisSpec.Default);
        ForwardResult<float> result = LayerCall.Forward(
            s_reference, layout, new BatchNormOptions { Momentum = 1 }, training: true, [1f, 2f, 3f, 4f], movingMean: [7f], movingVariance: [3f]);

        Assert.Equal([7f], result.MovingMean);
        Assert.Equal([3f], result.MovingVariance);
    }

    /// <summary>A fresh layer in inference divides by sqrt(1 + epsilon); TF.js gives 0.99950039 for x = 1.</summary>
    [Fact]
    public void Inference_FreshLayerDividesBySqrtOnePlusEpsilon()
    {
        AxisResolution layout = AxisResolution.Resolve([2, 3], AxisSpec.Default);
        float[] x = [1f, -2f, 3.5f, 0f, 10f, -0.25f];

        ForwardResult<float> result = LayerCall.Forward(s_reference, layout, BatchNormOptions.Default, training: false, x);

        Float32Ulp.AssertClose(0.99950039, result.Y[0], 1, 1, "y[0] vs TF.js");
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal((float)(x[i] / Math.Sqrt(1.001)), result.Y[i]);
        }

        Assert.Equal([0f, 0f, 0f], result.MovingMean);
        Assert.Equal([1f, 1f, 1f], result.MovingVariance);
        Assert.Equal(result.MovingMean, result.Mean);
        Assert.Equal(result.MovingVariance, result.Variance);
    }

    /// <summary>trainable=false with training=true is inference, and the moving statistics do not move.</summary>
    [Fact]
    public void Frozen_TrainingCallUsesMovingStatisticsAndLeavesThemUntouched()
    {
        AxisResolution layout = AxisResolution.Resolve([3, 2], AxisSpec.Default);
        var frozen = new BatchNormOptions { Trainable = false };
        float[] x = [1f, 2f, 3f, 4f, 5f, 7f];
        float[] movingMean = [0.5f, -1f];
        float[] movingVariance = [2f, 0.25f];

        ForwardResult<float> result = LayerCall.Forward(s_reference, layout, frozen, training: true, x, movingMean: movingMean, movingVariance: movingVariance);

        for (int i = 0; i < x.Length; i++)
        {
            int channel = i % 2;
            Assert.Equal((float)((x[i] - movingMean[channel]) / Math.Sqrt(movingVariance[channel] + 1e-3)), result.Y[i]);
        }

        Assert.Equal(movingMean, result.MovingMean);
        Assert.Equal(movingVariance, result.MovingVariance);
        Assert.Equal([0.5f, -1f], movingMean);
    }

    [Fact]
    public void InferenceCall_LeavesMovingStatisticsUntouched()
    {
        AxisResolution layout = AxisResolution.Resolve([3, 2], AxisSpec.Default);
        float[] movingMean = [0.5f, -1f];
        float[] movingVariance = [2f, 0.25f];

        ForwardResult<float> result = LayerCall.Forward(
            s_reference, layout, BatchNormOptions.Default, training: false, [1f, 2f, 3f, 4f, 5f, 7f], movingMean: movingMean, movingVariance: movingVariance);

        Assert.Equal(movingMean, result.MovingMean);
        Assert.Equal(movingVariance, result.MovingVariance);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void CenterAndScaleOff_ActAsBetaZeroAndGammaOne(bool center, bool scale)
    {
        AxisResolution layout = AxisResolution.Resolve([2, 3, 2], AxisSpec.Of(1));
        float[] x = [.. Enumerable.Range(0, 12).Select(i => (float)Math.Sin(i + 1) * 3)];
        var options = new BatchNormOptions { Center = center, Scale = scale };

        ForwardResult<float> without = LayerCall.Forward(s_reference, layout, options, training: true, x);
        ForwardResult<float> withIdentityWeights = LayerCall.Forward(
            s_reference, layout, BatchNormOptions.Default, training: true, x, gamma: [1f, 1f, 1f], beta: [0f, 0f, 0f]);

        Assert.Equal(withIdentityWeights.Y, without.Y);
        Assert.Equal(withIdentityWeights.MovingMean, without.MovingMean);
        Assert.Equal(withIdentityWeights.MovingVariance, without.MovingVariance);
    }

    [Fact]
    public void MultiAxis_KeepsEveryListedAxis()
    {
        // axis=[0, 2] on (2, 3, 2): four channels (i0, i2), each averaged over the 3 positions of axis 1.
        AxisResolution layout = AxisResolution.Resolve([2, 3, 2], AxisSpec.List(0, 2));
        double[] x = [.. Enumerable.Range(0, 12).Select(i => (double)(i * i))];

        ForwardResult<double> result = LayerCall.Forward(s_reference, layout, BatchNormOptions.Default, training: true, x);

        // Flat index of (i0, i1, i2) is 6*i0 + 2*i1 + i2; channel (i0, i2) is 2*i0 + i2.
        for (int i0 = 0; i0 < 2; i0++)
        {
            for (int i2 = 0; i2 < 2; i2++)
            {
                double[] members = [x[(6 * i0) + i2], x[(6 * i0) + 2 + i2], x[(6 * i0) + 4 + i2]];
                double mean = members.Average();
                double variance = members.Select(v => (v - mean) * (v - mean)).Average();
                Assert.Equal(mean, result.Mean[(2 * i0) + i2], 12);
                Assert.Equal(variance, result.Variance[(2 * i0) + i2], 9);
            }
        }
    }

    [Fact]
    public void Half_IsComputedWideAndRoundedOnce()
    {
        AxisResolution layout = AxisResolution.Resolve([3, 2], AxisSpec.Default);
        Half[] x = [(Half)1, (Half)2, (Half)3, (Half)4, (Half)5, (Half)7];

        ForwardResult<Half> result = LayerCall.Forward(s_reference, layout, BatchNormOptions.Default, training: true, x);

        Assert.Equal((Half)(-2 / Math.Sqrt((8.0 / 3) + 1e-3)), result.Y[0]);
        Assert.Equal((Half)(38.0 / 9.0), result.Variance[1]);
    }

    [Fact]
    public void NaN_PropagatesThroughItsChannelOnly()
    {
        AxisResolution layout = AxisResolution.Resolve([3, 2], AxisSpec.Default);
        ForwardResult<float> result = LayerCall.Forward(
            s_reference, layout, BatchNormOptions.Default, training: true, [1f, 2f, float.NaN, 4f, 5f, 7f]);

        Assert.True(float.IsNaN(result.Y[0]) && float.IsNaN(result.Y[2]) && float.IsNaN(result.Y[4]));
        Assert.True(float.IsNaN(result.MovingMean[0]) && float.IsNaN(result.MovingVariance[0]));
        Assert.True(float.IsFinite(result.Y[1]) && float.IsFinite(result.MovingMean[1]));
    }

    [Fact]
    public void InPlace_YOverXAndMovingOverMovingGiveTheSameResults()
    {
        AxisResolution layout = AxisResolution.Resolve([3, 2], AxisSpec.Default);
        float[] x = [1f, 2f, 3f, 4f, 5f, 7f];
        ForwardResult<float> separate = LayerCall.Forward(s_reference, layout, BatchNormOptions.Default, training: true, x);

        float[] buffer = [.. x];
        float[] gamma = [1f, 1f];
        float[] beta = [0f, 0f];
        float[] movingMean = [0f, 0f];
        float[] movingVariance = [1f, 1f];
        s_reference.Forward<float>(
            layout,
            BatchNormOptions.Default,
            training: true,
            buffer,
            new BatchNormWeights<float>(gamma, beta, movingMean, movingVariance),
            new ForwardDestinations<float>(buffer, movingMean, movingVariance));

        Assert.Equal(separate.Y, buffer);
        Assert.Equal(separate.MovingMean, movingMean);
        Assert.Equal(separate.MovingVariance, movingVariance);
    }

    /// <summary>
    /// Keras' float32 results err by a few ULPs of the largest intermediate term, |gamma * xhat| + |beta|, which is
    /// far larger than an ULP of y where beta cancels gamma * xhat (y = -0.006 from 0.194 - 0.2).
    /// </summary>
    private static void AssertMatchesKeras(double[] keras, float[] actual, float[] beta)
    {
        for (int i = 0; i < keras.Length; i++)
        {
            int channel = (i / 4) % 3;
            double magnitude = Math.Abs(keras[i] - beta[channel]) + Math.Abs(beta[channel]);
            Float32Ulp.AssertClose(keras[i], actual[i], magnitude, 4, $"y[{i}]");
        }
    }
}
