namespace BatchNormAxis.Tests;

/// <summary>The batch renormalization example of the package README, kept compiling and doing what it says.</summary>
public class RenormReadmeExampleTests
{
    [Fact]
    public void PackageReadmeRenormExample_UpdatesAllFiveStatisticsInPlace()
    {
        AxisResolution layout = AxisResolution.Resolve([2, 3, 4, 4], AxisSpec.Of(1));
        float[] x = new float[layout.ElementCount];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i % 7) + (10 * ((i / 16) % 3)); // channel c is offset by 10c
        }

        float[] gamma = [1, 1, 1], beta = [0, 0, 0], movingMean = [0, 0, 0], movingVariance = [1, 1, 1];
        float[] y = new float[x.Length];

        // Keras' initial values: moving_stddev 1, renorm_mean 0, renorm_stddev 1.
        float[] movingStddev = [1, 1, 1], renormMean = [0, 0, 0], renormStddev = [1, 1, 1];
        var options = new BatchNormOptions { Renorm = new RenormOptions { RMax = 3, DMax = 5 } };

        ScalarBatchNorm.Instance.Forward<float>(
            layout,
            options,
            training: true, // y corrected by r and d, which compare the batch with renorm_mean and renorm_stddev
            x,
            new BatchNormWeights<float>(gamma, beta, movingMean, movingVariance, movingStddev, renormMean, renormStddev),
            new ForwardDestinations<float>(y, movingMean, movingVariance,
                movingStddev: movingStddev, renormMean: renormMean, renormStddev: renormStddev)); // all five in place

        for (int channel = 0; channel < 3; channel++)
        {
            float[] members = [.. x.Where((_, i) => (i / 16) % 3 == channel)];
            double mean = members.Average(v => (double)v);
            double stddev = Math.Sqrt(members.Average(v => (v - mean) * (v - mean)) + 1e-3);

            // Both momenta are 0.99: each statistic moved 1% of the way from its initial value to the batch's.
            Assert.Equal((float)(0.01 * mean), renormMean[channel]);
            Assert.Equal((float)(0.01 * mean), movingMean[channel]);
            Assert.Equal((float)(0.99 + (0.01 * stddev)), renormStddev[channel]);
            Assert.Equal((float)(0.99 + (0.01 * stddev)), movingStddev[channel]);
            double newStddev = 0.99 + (0.01 * stddev);
            Assert.Equal((float)((newStddev * newStddev) - 1e-3), movingVariance[channel]);

            // r = stddev / 1, clipped at 3 (stddev is about 2); d = mean / 1, clipped at 5 for channels 1 and 2 (means 13 and 23).
            double r = Math.Min(stddev, 3);
            double d = Math.Clamp(mean, -5, 5);
            int first = channel * 16;
            Assert.Equal((float)(((x[first] - mean) / stddev * r) + d), y[first], 5);
        }
    }
}
