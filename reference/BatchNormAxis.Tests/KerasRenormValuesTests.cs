namespace BatchNormAxis.Tests;

/// <summary>
/// The reference against values printed by real Keras 3.15.1 (numpy backend, NumPy 1.24.2) with
/// <c>KerasValues/renorm_values.py</c>: the hand-computed example of <see cref="RenormTests"/> in eight variants, and
/// one random float32 layer with Keras' default momenta and epsilon and every clip. Keras ran from its source at tag
/// v3.15.1 with the import-only stand-ins of <c>scripts/compat/keras-standins/</c>, which compute nothing for this layer.
/// </summary>
/// <remarks>
/// Error model: Keras computes float32 in float32 (<c>batch_normalization.py</c> line 345 at v3.15.1) and the reference
/// computes in double and rounds once. Each Keras output is a chain of fewer than 12 float32 operations; each rounds by
/// half an ULP of its result, and no result in the chain exceeds 8 in magnitude for y (inputs up to 6.3, offsets up to
/// 5) or 2 for a statistic, while the divisions are by standard deviations of 0.5 or more. So 4 float32 ULPs at 8 (y)
/// and at 2 (statistics) bound the difference; a wrong r, d, floor, clip or update moves a value by 1e-3 at least.
/// </remarks>
public class KerasRenormValuesTests
{
    private static readonly AxisResolution s_example = AxisResolution.Resolve([2, 2], AxisSpec.Default);
    private static readonly float[] s_exampleX = [1, -1.5625f, 3, -0.4375f];

    private static readonly RenormLayerState<float> s_exampleState = new(
        Gamma: [2, 0.5f], Beta: [1, -1], MovingMean: [0, 0], MovingVariance: [7, 7], MovingStddev: [1, 1], RenormMean: [0, 0.5f], RenormStddev: [1, 0.25f]);

    private static readonly BatchNormOptions s_exampleOptions = new() { Momentum = 0.75, Epsilon = 0.5625, Renorm = new RenormOptions { Momentum = 0.5 } };

    /// <summary>Keras' outputs per variant: y, moving_mean, moving_variance, moving_stddev, renorm_mean, renorm_stddev.</summary>
    public static TheoryData<string> Variants => ["base", "clip_all", "floor", "relu", "no_center_scale", "two_calls", "inference"];

    [Theory]
    [MemberData(nameof(Variants))]
    public void HandExample_MatchesKeras(string variant)
    {
        (BatchNormOptions options, RenormLayerState<float> state, bool training, int calls, double[][] keras) = variant switch
        {
            "base" => (s_exampleOptions, s_exampleState, true, 1, new double[][]
            {
                [3.0, -2.375, 7.0, -1.625], [0.5, -0.25], [0.56640625, 0.406494140625], [1.0625, 0.984375], [1.0, -0.25], [1.125, 0.59375],
            }),
            "clip_all" => (s_exampleOptions with { Renorm = new RenormOptions { Momentum = 0.5, RMin = 1.5, RMax = 2, DMax = 1 } }, s_exampleState, true, 1, new double[][]
            {
                [0.5999999046325684, -1.9500000476837158, 5.400000095367432, -1.0499999523162842], [0.5, -0.25], [0.56640625, 0.406494140625], [1.0625, 0.984375], [1.0, -0.25], [1.125, 0.59375],
            }),
            "floor" => (s_exampleOptions, s_exampleState with { RenormStddev = [0, 0.75f] }, true, 1, new double[][]
            {
                [3.6666667461395264, -2.375, 9.0, -1.625], [0.5, -0.25], [0.56640625, 0.406494140625], [1.0625, 0.984375], [1.0, -0.25], [0.625, 0.84375],
            }),
            "relu" => (s_exampleOptions, s_exampleState with { MovingStddev = [1, 0] }, true, 1, new double[][]
            {
                [3.0, -2.375, 7.0, -1.625], [0.5, -0.25], [0.56640625, 0.0], [1.0625, 0.234375], [1.0, -0.25], [1.125, 0.59375],
            }),
            "no_center_scale" => (s_exampleOptions with { Center = false, Scale = false }, s_exampleState, true, 1, new double[][]
            {
                [1.0, -2.75, 3.0, -1.25], [0.5, -0.25], [0.56640625, 0.406494140625], [1.0625, 0.984375], [1.0, -0.25], [1.125, 0.59375],
            }),
            "two_calls" => (s_exampleOptions, s_exampleState, true, 2, new double[][]
            {
                [0.9999997615814209, -1.875, 4.555555820465088, -1.125], [0.875, -0.4375], [0.668212890625, 0.3835601806640625], [1.109375, 0.97265625], [1.5, -0.625], [1.1875, 0.765625],
            }),
            _ => (s_exampleOptions with { Renorm = new RenormOptions { Momentum = 0.5, RMax = 1, DMax = 0 } }, s_exampleState with { MovingMean = [0.5f, -1], MovingVariance = [0.4375f, 0] }, false, 1, new double[][]
            {
                [2.0, -1.375, 6.0, -0.625], [0.5, -1.0], [0.4375, 0.0], [1.0, 1.0], [0.0, 0.5], [1.0, 0.25],
            }),
        };

        RenormForwardResult<float> result = Run(s_example, options, training, calls, s_exampleX, state);

        AssertMatchesKeras(variant, keras, result);
    }

    [Fact]
    public void MaskedExample_MatchesKeras()
    {
        // The example plus a masked-out row: the statistics are the example's, and the masked row is normalized with them.
        // The largest term is now the masked row's y, about 2000, so the 4 ULPs are taken at 2048 for y. Keras' float32
        // sum(mask) + 1e-7 rounds to 2 exactly, while the reference keeps the 1e-7: a relative 5e-8 in each statistic,
        // 1e-4 at 2000, inside those ULPs (1.2e-4 each).
        AxisResolution layout = AxisResolution.Resolve([3, 2], AxisSpec.Default);
        RenormForwardResult<float> result = RenormLayerCall.Forward(
            ScalarBatchNorm.Instance, layout, s_exampleOptions, training: true, [.. s_exampleX, 1000, -1000], s_exampleState, [true, true, false]);

        AssertMatchesKeras("masked", [
            [3.0, -2.375, 7.0, -1.625, 2001.0, -668.0], [0.5, -0.25], [0.56640625, 0.406494140625], [1.0625, 0.984375], [1.0, -0.25], [1.125, 0.59375],
        ], result, yMagnitude: 2048);
    }

    [Fact]
    public void RandomLayerWithEveryClip_MatchesKeras()
    {
        AxisResolution layout = AxisResolution.Resolve([4, 3], AxisSpec.Default);
        float[] x = Floats(2.986346483230591, 5.092286586761475, 4.4831767082214355, 4.44791316986084, 6.237552642822266, 0.5888836979866028, 1.7460891008377075, 0.3586735725402832, 2.7844948768615723, 4.997527122497559, 2.956104278564453, 3.991760015487671);
        var state = new RenormLayerState<float>(
            Gamma: Floats(0.6068512797355652, 0.7579549551010132, 0.9168960452079773),
            Beta: Floats(1.7753894329071045, 0.8868491053581238, 0.9493494629859924),
            MovingMean: [0, 0, 0],
            MovingVariance: [1, 1, 1],
            MovingStddev: Floats(0.7587710618972778, 0.6878902316093445, 1.1705105304718018),
            RenormMean: Floats(-0.3444026708602905, -0.497372031211853, -0.11477278172969818),
            RenormStddev: Floats(0.5643556714057922, 1.436696171760559, 1.1492403745651245));
        var options = new BatchNormOptions { Renorm = new RenormOptions { RMin = 0.8, RMax = 1.25, DMax = 0.5 } }; // momenta 0.99, epsilon 1e-3

        RenormForwardResult<float> result = Run(layout, options, training: true, calls: 1, x, state);

        AssertMatchesKeras("random", [
            [1.7461127042770386, 1.8707997798919678, 2.5673627853393555, 2.6173675060272217, 2.3549304008483887, -0.4013400673866272, 1.0067826509475708, -0.13020917773246765, 1.2724212408065796, 2.944997787475586, 0.9677854776382446, 2.1927452087402344],
            [0.03544468805193901, 0.036611542105674744, 0.029620787128806114],
            [0.5825563073158264, 0.49380555748939514, 1.3769004344940186],
            [0.7639085650444031, 0.7034241557121277, 1.173840045928955],
            [-0.30551397800445557, -0.4557867646217346, -0.08400426805019379],
            [0.5714373588562012, 1.4447420835494995, 1.1527825593948364],
        ], result);
    }

    private static float[] Floats(params double[] values) => [.. values.Select(v => (float)v)];

    /// <summary><paramref name="calls"/> calls on one layer, the statistics carried over in place.</summary>
    private static RenormForwardResult<float> Run(AxisResolution layout, BatchNormOptions options, bool training, int calls, float[] x, RenormLayerState<float> state)
    {
        RenormForwardResult<float> result = RenormLayerCall.Forward(ScalarBatchNorm.Instance, layout, options, training, x, state);
        for (int call = 1; call < calls; call++)
        {
            result = RenormLayerCall.Forward(
                ScalarBatchNorm.Instance, layout, options, training, x,
                state with { MovingMean = result.MovingMean, MovingVariance = result.MovingVariance, MovingStddev = result.MovingStddev, RenormMean = result.RenormMean, RenormStddev = result.RenormStddev });
        }

        return result;
    }

    private static void AssertMatchesKeras(string variant, double[][] keras, RenormForwardResult<float> result, double yMagnitude = 8)
    {
        float[][] ours = [result.Y, result.MovingMean, result.MovingVariance, result.MovingStddev, result.RenormMean, result.RenormStddev];
        string[] names = ["y", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev"];
        for (int output = 0; output < names.Length; output++)
        {
            Assert.Equal(keras[output].Length, ours[output].Length);
            double magnitude = output == 0 ? yMagnitude : 2;
            for (int i = 0; i < ours[output].Length; i++)
            {
                Float32Ulp.AssertClose(keras[output][i], ours[output][i], magnitude, ulps: 4, $"{variant} {names[output]}[{i}]");
            }
        }
    }
}
