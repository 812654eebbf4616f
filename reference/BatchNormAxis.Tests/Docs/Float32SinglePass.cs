namespace BatchNormAxis.Tests.Docs;

/// <summary>
/// The single-pass moments as a plain float32 implementation computes them, and as Keras' NumPy backend does for
/// a few values (<c>np.mean</c> sums fewer than 8 values left to right): the mean and the mean of the squares, each
/// a float32 sum divided by the count. The variance is then <c>meanOfSquares - mean²</c>.
/// </summary>
internal static class Float32SinglePass
{
    public static (float Mean, float MeanOfSquares) Moments(float[] values)
    {
        float sum = 0, sumOfSquares = 0;
        foreach (float value in values)
        {
            sum += value;
            sumOfSquares += value * value;
        }

        return (sum / values.Length, sumOfSquares / values.Length);
    }
}
