namespace BatchNormAxis.FixtureGenerator;

/// <summary>The statistics a renormalizing layer holds before a call, as the oracles take them.</summary>
/// <param name="MovingMean">moving_mean.</param>
/// <param name="MovingVariance">moving_variance (read only by calls that use the moving statistics).</param>
/// <param name="MovingStddev">moving_stddev.</param>
/// <param name="RenormMean">renorm_mean.</param>
/// <param name="RenormStddev">renorm_stddev.</param>
internal sealed record RenormWeights(double[] MovingMean, double[] MovingVariance, double[] MovingStddev, double[] RenormMean, double[] RenormStddev);
