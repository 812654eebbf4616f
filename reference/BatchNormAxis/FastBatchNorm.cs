using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// The fast implementation, behind the same contract as <see cref="ScalarBatchNorm"/>. Any keep-set is read as
/// rows of contiguous memory (<see cref="RowLayout"/>): rows of consecutive channels (channels-last) or rows of one
/// channel (channels-first), so two kernels cover every axis pattern. Training reads x twice and writes y once:
/// one pass of shifted sums for the statistics, one fused <c>y = x * scale + shift</c>.
/// </summary>
/// <remarks>
/// <para>Statistics: each channel's values minus one of its own values (the shift) are summed with their squares
/// in double, so a large mean does not cancel the variance and any summation order gives the same float32 result
/// to within rounding. A Keras 3 mask, and element types other than float and double (Half), take the reference's
/// path for now.</para>
/// <para>Scratch memory comes from <see cref="ArrayPool{T}.Shared"/> and the stack, so calls allocate nothing in
/// steady state. One thread; results do not depend on the machine's core count.</para>
/// </remarks>
public sealed class FastBatchNorm : IBatchNormalization
{
    /// <summary>The shared instance; the class holds no state.</summary>
    public static FastBatchNorm Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "fast";

    /// <inheritdoc/>
    public void Forward<T>(
        AxisResolution layout,
        BatchNormOptions options,
        bool training,
        ReadOnlySpan<T> x,
        BatchNormWeights<T> weights,
        ForwardDestinations<T> destinations,
        ReadOnlySpan<bool> mask = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        BatchNormArguments.ValidateForward(layout, options, x, weights, destinations, mask);
        if (!mask.IsEmpty || !IsFastType<T>())
        {
            ScalarBatchNorm.Instance.Forward(layout, options, training, x, weights, destinations, mask);
            return;
        }

        int channels = layout.ChannelCount;
        Span<int> layoutScratch = stackalloc int[2 * layout.Rank];
        var rows = new RowLayout(layout, layoutScratch);
        double[] doubles = ArrayPool<double>.Shared.Rent(4 * channels);
        T[] parameters = ArrayPool<T>.Shared.Rent(2 * channels);
        try
        {
            Span<double> mean = doubles.AsSpan(0, channels);
            Span<double> variance = doubles.AsSpan(channels, channels);
            Span<double> movingMean = doubles.AsSpan(2 * channels, channels);
            Span<double> movingVariance = doubles.AsSpan(3 * channels, channels);
            Widen(weights.MovingMean, movingMean);
            Widen(weights.MovingVariance, movingVariance);

            bool useBatchStatistics = StatisticsOfTheCall(layout, rows, options, training, x, weights, mean, variance);

            // Fold gamma, beta, mean and variance into one scale and shift per channel: y = x * scale + shift.
            Span<T> scale = parameters.AsSpan(0, channels);
            Span<T> shift = parameters.AsSpan(channels, channels);
            for (int c = 0; c < channels; c++)
            {
                double gamma = options.Scale ? double.CreateTruncating(weights.Gamma[c]) : 1.0;
                double beta = options.Center ? double.CreateTruncating(weights.Beta[c]) : 0.0;
                double channelScale = gamma / Math.Sqrt(variance[c] + options.Epsilon);
                scale[c] = T.CreateTruncating(channelScale);
                shift[c] = T.CreateTruncating(beta - (mean[c] * channelScale));
            }

            Normalize(rows, x, scale, shift, destinations.Y);

            double keep = options.Momentum;
            for (int c = 0; c < channels; c++)
            {
                destinations.MovingMean[c] = T.CreateTruncating(useBatchStatistics ? (movingMean[c] * keep) + (mean[c] * (1 - keep)) : movingMean[c]);
                destinations.MovingVariance[c] = T.CreateTruncating(useBatchStatistics ? (movingVariance[c] * keep) + (variance[c] * (1 - keep)) : movingVariance[c]);
            }

            Narrow(mean, destinations.Mean);
            Narrow(variance, destinations.Variance);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(parameters);
            ArrayPool<double>.Shared.Return(doubles);
        }
    }

    /// <inheritdoc/>
    public void Backward<T>(
        AxisResolution layout,
        BatchNormOptions options,
        bool training,
        ReadOnlySpan<T> x,
        ReadOnlySpan<T> dy,
        BatchNormWeights<T> weights,
        BackwardDestinations<T> destinations)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        BatchNormArguments.ValidateBackward(layout, options, x, dy, weights, destinations);
        if (!IsFastType<T>())
        {
            ScalarBatchNorm.Instance.Backward(layout, options, training, x, dy, weights, destinations);
            return;
        }

        if (typeof(T) == typeof(float))
        {
            BackwardFloat(
                layout,
                options,
                training,
                MemoryMarshal.Cast<T, float>(x),
                MemoryMarshal.Cast<T, float>(dy),
                new BatchNormWeights<float>(MemoryMarshal.Cast<T, float>(weights.Gamma), MemoryMarshal.Cast<T, float>(weights.Beta), MemoryMarshal.Cast<T, float>(weights.MovingMean), MemoryMarshal.Cast<T, float>(weights.MovingVariance)),
                new BackwardDestinations<float>(MemoryMarshal.Cast<T, float>(destinations.Dx), MemoryMarshal.Cast<T, float>(destinations.Dgamma), MemoryMarshal.Cast<T, float>(destinations.Dbeta)));
            return;
        }

        int channels = layout.ChannelCount;
        Span<int> layoutScratch = stackalloc int[2 * layout.Rank];
        var rows = new RowLayout(layout, layoutScratch);
        double[] doubles = ArrayPool<double>.Shared.Rent(5 * channels);
        try
        {
            Span<double> mean = doubles.AsSpan(0, channels);
            Span<double> variance = doubles.AsSpan(channels, channels);
            Span<double> inverseDeviation = doubles.AsSpan(2 * channels, channels);
            Span<double> sumDy = doubles.AsSpan(3 * channels, channels);
            Span<double> sumDyNormalized = doubles.AsSpan(4 * channels, channels);
            bool useBatchStatistics = StatisticsOfTheCall(layout, rows, options, training, x, weights, mean, variance);

            for (int c = 0; c < channels; c++)
            {
                inverseDeviation[c] = 1 / Math.Sqrt(variance[c] + options.Epsilon);
            }

            sumDy.Clear();
            sumDyNormalized.Clear();
            for (int row = 0; row < rows.RowCount; row++)
            {
                int first = rows.FirstChannelOf(row);
                int start = row * rows.RowLength;
                for (int i = 0; i < rows.RowLength; i++)
                {
                    int c = rows.InnermostKept ? first + i : first;
                    double g = double.CreateTruncating(dy[start + i]);
                    sumDy[c] += g;
                    sumDyNormalized[c] += g * (double.CreateTruncating(x[start + i]) - mean[c]) * inverseDeviation[c];
                }
            }

            double count = layout.ReductionCount;
            for (int row = 0; row < rows.RowCount; row++)
            {
                int first = rows.FirstChannelOf(row);
                int start = row * rows.RowLength;
                for (int i = 0; i < rows.RowLength; i++)
                {
                    int c = rows.InnermostKept ? first + i : first;
                    double gamma = options.Scale ? double.CreateTruncating(weights.Gamma[c]) : 1.0;
                    double g = double.CreateTruncating(dy[start + i]);
                    double gradient = useBatchStatistics
                        ? gamma * inverseDeviation[c] * (g - (sumDy[c] / count) - ((double.CreateTruncating(x[start + i]) - mean[c]) * inverseDeviation[c] * sumDyNormalized[c] / count))
                        : gamma * inverseDeviation[c] * g;
                    destinations.Dx[start + i] = T.CreateTruncating(gradient);
                }
            }

            if (options.Scale)
            {
                Narrow(sumDyNormalized, destinations.Dgamma);
            }

            if (options.Center)
            {
                Narrow(sumDy, destinations.Dbeta);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(doubles);
        }
    }

    /// <summary>
    /// float32 backward in two passes over x and dy: per-channel sums of dy and dy · (x - mean), then
    /// dx = a · dy + b · (x - mean) + c with a = gamma / s, b = -a · Σdy(x - mean) / (N s²), c = -a · Σdy / N
    /// (b = c = 0 with moving statistics), s = sqrt(variance + epsilon).
    /// </summary>
    private static void BackwardFloat(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, BatchNormWeights<float> weights, BackwardDestinations<float> destinations)
    {
        int channels = layout.ChannelCount;
        Span<int> layoutScratch = stackalloc int[2 * layout.Rank];
        var rows = new RowLayout(layout, layoutScratch);
        double[] doubles = ArrayPool<double>.Shared.Rent(4 * channels);
        float[] floats = ArrayPool<float>.Shared.Rent(4 * channels);
        try
        {
            Span<double> mean = doubles.AsSpan(0, channels);
            Span<double> variance = doubles.AsSpan(channels, channels);
            Span<double> sumDy = doubles.AsSpan(2 * channels, channels);
            Span<double> sumDyCentred = doubles.AsSpan(3 * channels, channels);
            bool useBatchStatistics = StatisticsOfTheCall(layout, rows, options, training, x, weights, mean, variance);

            Span<float> meanF = floats.AsSpan(0, channels);
            for (int c = 0; c < channels; c++)
            {
                meanF[c] = (float)mean[c];
            }

            // Pass 1: Σ dy and Σ dy · (x - mean) per channel.
            sumDy.Clear();
            sumDyCentred.Clear();
            if (rows.RowsShareChannels)
            {
                int width = rows.RowLength;
                Span<float> scratchDy = stackalloc float[FastKernels.ChannelsPerBlock];
                Span<float> scratchDyCentred = stackalloc float[FastKernels.ChannelsPerBlock];
                for (int firstRow = 0; firstRow < rows.RowCount; firstRow += FastKernels.RowsPerBlock)
                {
                    int blockRows = Math.Min(FastKernels.RowsPerBlock, rows.RowCount - firstRow);
                    for (int firstChannel = 0; firstChannel < width; firstChannel += FastKernels.ChannelsPerBlock)
                    {
                        int blockWidth = Math.Min(FastKernels.ChannelsPerBlock, width - firstChannel);
                        int offset = (firstRow * width) + firstChannel;
                        FastGradientKernels.AccumulateChannelBlock(
                            x[offset..], dy[offset..], width, blockRows, meanF.Slice(firstChannel, blockWidth),
                            scratchDy, scratchDyCentred, sumDy.Slice(firstChannel, blockWidth), sumDyCentred.Slice(firstChannel, blockWidth));
                    }
                }
            }
            else
            {
                for (int row = 0; row < rows.RowCount; row++)
                {
                    int start = row * rows.RowLength;
                    int first = rows.FirstChannelOf(row);
                    if (rows.InnermostKept)
                    {
                        for (int i = 0; i < rows.RowLength; i++)
                        {
                            double g = dy[start + i];
                            sumDy[first + i] += g;
                            sumDyCentred[first + i] += g * ((double)x[start + i] - meanF[first + i]);
                        }
                    }
                    else
                    {
                        (double rowDy, double rowDyCentred) = FastGradientKernels.AccumulateOneChannel(x.Slice(start, rows.RowLength), dy.Slice(start, rows.RowLength), meanF[first]);
                        sumDy[first] += rowDy;
                        sumDyCentred[first] += rowDyCentred;
                    }
                }
            }

            // Per-channel coefficients of dx = a · dy + b · (x - mean) + c.
            Span<float> a = floats.AsSpan(channels, channels);
            Span<float> b = floats.AsSpan(2 * channels, channels);
            Span<float> cc = floats.AsSpan(3 * channels, channels);
            double count = layout.ReductionCount;
            for (int c = 0; c < channels; c++)
            {
                double inverse = 1 / Math.Sqrt(variance[c] + options.Epsilon);
                double gamma = options.Scale ? weights.Gamma[c] : 1.0;
                double scale = gamma * inverse;
                a[c] = (float)scale;
                b[c] = useBatchStatistics ? (float)(-scale * inverse * inverse * sumDyCentred[c] / count) : 0f;
                cc[c] = useBatchStatistics ? (float)(-scale * sumDy[c] / count) : 0f;
                if (options.Scale)
                {
                    destinations.Dgamma[c] = (float)(sumDyCentred[c] * inverse);
                }

                if (options.Center)
                {
                    destinations.Dbeta[c] = (float)sumDy[c];
                }
            }

            // Pass 2: dx.
            if (rows.RowsShareChannels)
            {
                const int ChannelsPerBlock = 2048;
                int width = rows.RowLength;
                for (int firstChannel = 0; firstChannel < width; firstChannel += ChannelsPerBlock)
                {
                    int w = Math.Min(ChannelsPerBlock, width - firstChannel);
                    for (int row = 0; row < rows.RowCount; row++)
                    {
                        int start = (row * width) + firstChannel;
                        FastGradientKernels.GradientRow(x.Slice(start, w), dy.Slice(start, w), meanF.Slice(firstChannel, w), a.Slice(firstChannel, w), b.Slice(firstChannel, w), cc.Slice(firstChannel, w), destinations.Dx.Slice(start, w));
                    }
                }
            }
            else
            {
                for (int row = 0; row < rows.RowCount; row++)
                {
                    int start = row * rows.RowLength;
                    int first = rows.FirstChannelOf(row);
                    int n = rows.RowLength;
                    if (rows.InnermostKept)
                    {
                        FastGradientKernels.GradientRow(x.Slice(start, n), dy.Slice(start, n), meanF.Slice(first, n), a.Slice(first, n), b.Slice(first, n), cc.Slice(first, n), destinations.Dx.Slice(start, n));
                    }
                    else
                    {
                        FastGradientKernels.GradientRow(x.Slice(start, n), dy.Slice(start, n), meanF[first], a[first], b[first], cc[first], destinations.Dx.Slice(start, n));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(floats);
            ArrayPool<double>.Shared.Return(doubles);
        }
    }

    /// <summary>
    /// The statistics a call normalizes with (Keras: batch statistics only when training a trainable layer, else the
    /// moving ones); returns whether they are batch statistics.
    /// </summary>
    private static bool StatisticsOfTheCall<T>(AxisResolution layout, RowLayout rows, BatchNormOptions options, bool training, ReadOnlySpan<T> x, BatchNormWeights<T> weights, Span<double> mean, Span<double> variance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool useBatchStatistics = training && options.Trainable;
        if (useBatchStatistics)
        {
            ComputeStatistics(layout, rows, x, mean, variance);
        }
        else
        {
            Widen(weights.MovingMean, mean);
            Widen(weights.MovingVariance, variance);
        }

        return useBatchStatistics;
    }

    /// <summary>One pass of shifted sums per channel, then mean = shift + S1/N and variance = S2/N - (S1/N)².</summary>
    private static void ComputeStatistics<T>(AxisResolution layout, RowLayout rows, ReadOnlySpan<T> x, Span<double> mean, Span<double> variance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        double[] rented = ArrayPool<double>.Shared.Rent(3 * channels);
        bool[] rentedSeen = ArrayPool<bool>.Shared.Rent(channels);
        try
        {
            Span<double> shift = rented.AsSpan(0, channels);
            Span<double> sum = rented.AsSpan(channels, channels);
            Span<double> squares = rented.AsSpan(2 * channels, channels);
            Span<bool> seen = rentedSeen.AsSpan(0, channels); // a channel's shift is its first value
            sum.Clear();
            squares.Clear();
            seen.Clear();

            if (typeof(T) == typeof(float) && rows.InnermostKept && rows.RowsShareChannels)
            {
                // Every row holds the same channels (channels-last with one kept group): block over rows and channels.
                AccumulateChannelsLast(MemoryMarshal.Cast<T, float>(x), rows, shift, sum, squares);
            }
            else
            {
                AccumulateRows(x, rows, shift, sum, squares, seen);
            }

            double count = layout.ReductionCount;
            for (int c = 0; c < channels; c++)
            {
                double shiftedMean = sum[c] / count;
                mean[c] = shift[c] + shiftedMean;

                // Rounding can leave the difference a hair below zero; the variance is not.
                variance[c] = Math.Max((squares[c] / count) - (shiftedMean * shiftedMean), 0);
                if (double.IsNaN(squares[c]) || double.IsNaN(shiftedMean))
                {
                    variance[c] = double.NaN;
                }
            }
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(rentedSeen);
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>Any layout: row by row, each row a run of channels or a run of one channel.</summary>
    private static void AccumulateRows<T>(ReadOnlySpan<T> x, RowLayout rows, Span<double> shift, Span<double> sum, Span<double> squares, Span<bool> seen)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < rows.RowCount; row++)
        {
            ReadOnlySpan<T> values = x.Slice(row * rows.RowLength, rows.RowLength);
            int first = rows.FirstChannelOf(row);
            if (rows.InnermostKept)
            {
                Span<double> rowShift = shift.Slice(first, rows.RowLength);
                if (!seen[first])
                {
                    // Rows cover whole runs of channels, so the run's first channel stands for all of them.
                    Widen(values, rowShift);
                    seen[first] = true;
                }

                FastKernels.AccumulateChannels(values, rowShift, sum.Slice(first, rows.RowLength), squares.Slice(first, rows.RowLength));
            }
            else
            {
                if (!seen[first])
                {
                    shift[first] = double.CreateTruncating(values[0]);
                    seen[first] = true;
                }

                (double rowSum, double rowSquares) = FastKernels.AccumulateOneChannel(values, shift[first]);
                sum[first] += rowSum;
                squares[first] += rowSquares;
            }
        }
    }

    /// <summary>
    /// float32 channels-last (every row holds channels 0..C-1): blocks of <see cref="FastKernels.RowsPerBlock"/> rows
    /// by <see cref="FastKernels.ChannelsPerBlock"/> channels, accumulated in float32 in L1 and added into the double
    /// sums once per block. The shift is row 0.
    /// </summary>
    private static void AccumulateChannelsLast(ReadOnlySpan<float> x, RowLayout rows, Span<double> shift, Span<double> sum, Span<double> squares)
    {
        int width = rows.RowLength;
        float[]? rentedShift = width <= 1024 ? null : ArrayPool<float>.Shared.Rent(width);
        Span<float> floatShift = rentedShift is null ? stackalloc float[width] : rentedShift.AsSpan(0, width);
        x[..width].CopyTo(floatShift);
        for (int c = 0; c < width; c++)
        {
            shift[c] = floatShift[c];
        }

        Span<float> blockSum = stackalloc float[FastKernels.ChannelsPerBlock];
        Span<float> blockSquares = stackalloc float[FastKernels.ChannelsPerBlock];
        for (int firstRow = 0; firstRow < rows.RowCount; firstRow += FastKernels.RowsPerBlock)
        {
            int blockRows = Math.Min(FastKernels.RowsPerBlock, rows.RowCount - firstRow);
            for (int firstChannel = 0; firstChannel < width; firstChannel += FastKernels.ChannelsPerBlock)
            {
                int blockWidth = Math.Min(FastKernels.ChannelsPerBlock, width - firstChannel);
                FastKernels.AccumulateChannelBlock(
                    x[((firstRow * width) + firstChannel)..],
                    width,
                    blockRows,
                    floatShift.Slice(firstChannel, blockWidth),
                    blockSum,
                    blockSquares,
                    sum.Slice(firstChannel, blockWidth),
                    squares.Slice(firstChannel, blockWidth));
            }
        }

        if (rentedShift is not null)
        {
            ArrayPool<float>.Shared.Return(rentedShift);
        }
    }

    private static void Normalize<T>(RowLayout rows, ReadOnlySpan<T> x, ReadOnlySpan<T> scale, ReadOnlySpan<T> shift, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows.RowsShareChannels)
        {
            // Channels-last: a block of channels' scale and shift stays in L1 while every row's slice of it is done;
            // wide rows (axis=[1, 2, 3]: 200704 channels) would otherwise re-read both arrays from memory per row.
            const int ChannelsPerBlock = 2048;
            int width = rows.RowLength;
            for (int firstChannel = 0; firstChannel < width; firstChannel += ChannelsPerBlock)
            {
                int blockWidth = Math.Min(ChannelsPerBlock, width - firstChannel);
                ReadOnlySpan<T> blockScale = scale.Slice(firstChannel, blockWidth);
                ReadOnlySpan<T> blockShift = shift.Slice(firstChannel, blockWidth);
                for (int row = 0; row < rows.RowCount; row++)
                {
                    int start = (row * width) + firstChannel;
                    FastKernels.ScaleShift(x.Slice(start, blockWidth), blockScale, blockShift, y.Slice(start, blockWidth));
                }
            }

            return;
        }

        for (int row = 0; row < rows.RowCount; row++)
        {
            int start = row * rows.RowLength;
            int first = rows.FirstChannelOf(row);
            if (rows.InnermostKept)
            {
                FastKernels.ScaleShift(x.Slice(start, rows.RowLength), scale.Slice(first, rows.RowLength), shift.Slice(first, rows.RowLength), y.Slice(start, rows.RowLength));
            }
            else
            {
                FastKernels.ScaleShift(x.Slice(start, rows.RowLength), scale[first], shift[first], y.Slice(start, rows.RowLength));
            }
        }
    }

    /// <summary>float and double have kernels; other types (Half) take the reference's path for now.</summary>
    private static bool IsFastType<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(double);

    private static void Widen<T>(ReadOnlySpan<T> values, Span<double> destination)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            destination[i] = double.CreateTruncating(values[i]);
        }
    }

    /// <summary>Rounds into an optional destination (empty: not wanted).</summary>
    private static void Narrow<T>(ReadOnlySpan<double> values, Span<T> destination)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = T.CreateTruncating(values[i]);
        }
    }
}
