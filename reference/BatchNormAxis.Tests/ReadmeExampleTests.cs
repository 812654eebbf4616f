namespace BatchNormAxis.Tests;

/// <summary>The usage example of the READMEs, kept compiling and doing what they say.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void PackageReadmeExample_NormalizesChannelsAndUpdatesMovingStatisticsInPlace()
    {
        // NCHW input, Keras axis=1: keep the channels, take statistics over N, H and W.
        AxisResolution layout = AxisResolution.Resolve([2, 3, 4, 4], AxisSpec.Of(1));
        float[] x = new float[layout.ElementCount]; // your data, row-major
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i % 7) + (10 * ((i / 16) % 3)); // channel c is offset by 10c
        }

        float[] gamma = [1, 1, 1], beta = [0, 0, 0], movingMean = [0, 0, 0], movingVariance = [1, 1, 1];
        float[] y = new float[x.Length];

        ScalarBatchNorm.Instance.Forward<float>(
            layout,
            BatchNormOptions.Default, // momentum 0.99, epsilon 1e-3, center, scale, trainable
            training: true,
            x,
            new BatchNormWeights<float>(gamma, beta, movingMean, movingVariance),
            new ForwardDestinations<float>(y, movingMean, movingVariance)); // moving statistics updated in place

        Assert.Equal([0, 2, 3], layout.ReductionAxes);
        Assert.Equal([3], layout.ParameterShape);
        Assert.Equal(32, layout.ReductionCount);
        for (int channel = 0; channel < 3; channel++)
        {
            float[] members = [.. y.Where((_, i) => (i / 16) % 3 == channel)];
            Assert.Equal(32, members.Length);
            Assert.InRange(members.Average(), -1e-6, 1e-6);
            Assert.True(movingMean[channel] > 10 * channel * 0.01, $"moving_mean[{channel}] = {movingMean[channel]} was not updated");
        }
    }
}
