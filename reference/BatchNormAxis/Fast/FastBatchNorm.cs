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
/// to within rounding.</para>
/// <para>Threads: every pass is cut into chunks fixed by the shape alone (<see cref="Tiling"/>); sums are made per
/// chunk of rows and merged in chunk order, so results are bit-identical for every thread count and every run.
/// Inputs of fewer than about 64 K elements per chunk run on the calling thread.</para>
/// <para>Half is stored in 16 bits and computed in float32, as Keras computes 16-bit layers; a Keras 3 mask takes
/// the reference's path. Scratch memory comes from <see cref="ArrayPool{T}.Shared"/> and the stack, so calls
/// allocate nothing in steady state.</para>
/// <para>Batch renormalization: a renormalizing training call, forward or backward, is routed to
/// <see cref="ScalarBatchNorm"/> (renorm is rare; correctness first), so it gives the reference's results bit for bit.
/// Inference and frozen calls of a renormalizing layer are calls without renorm and run on the fast kernels.</para>
/// </remarks>
public sealed unsafe partial class FastBatchNorm : IBatchNormalization
{
    /// <summary>Columns per chunk of a channels-last pass: whole rows unless rows are very wide (axis=[1, 2, 3]).</summary>
    private const int ColumnsPerChunk = 8192;

    /// <summary>Partial-sum slots are at most this many doubles in all; more chunks than that do not pay.</summary>
    private const int PartialSumBudget = 1 << 20;

    /// <summary>Uses every processor of the machine.</summary>
    public FastBatchNorm()
        : this(Environment.ProcessorCount)
    {
    }

    /// <summary>Uses at most <paramref name="threads"/> threads, the calling thread included.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is less than 1.</exception>
    public FastBatchNorm(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
    }

    /// <summary>The shared instance, on every processor; the class holds no state but its thread count.</summary>
    public static FastBatchNorm Instance { get; } = new();

    /// <summary>The most threads a call uses, the calling thread included.</summary>
    public int Threads { get; }

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
        if (options.Renorm is not null)
        {
            ForwardWithRenorm(layout, options, training, x, weights, destinations, mask);
            return;
        }

        if (!mask.IsEmpty || !(IsComputeType<T>() || typeof(T) == typeof(Half)))
        {
            ScalarBatchNorm.Instance.Forward(layout, options, training, x, weights, destinations, mask);
            return;
        }

        if (typeof(T) == typeof(Half))
        {
            HalfInFloat32.Forward(this, layout, options, training, MemoryMarshal.Cast<T, Half>(x), Cast<T, Half>(weights), Cast<T, Half>(destinations));
            return;
        }

        int channels = layout.ChannelCount;
        Span<int> layoutScratch = stackalloc int[RowLayout.ScratchLength]; // constant size, whatever the rank
        var rows = new RowLayout(layout, layoutScratch);
        bool useBatchStatistics = training && options.Trainable;
        double[] sums = ArrayPool<double>.Shared.Rent(useBatchStatistics ? 3 * channels : 0);
        T[] parameters = ArrayPool<T>.Shared.Rent(2 * channels);
        try
        {
            Span<double> shifts = sums.AsSpan(0, useBatchStatistics ? channels : 0);
            Span<double> shiftedSums = sums.AsSpan(shifts.Length, 2 * shifts.Length);
            if (useBatchStatistics)
            {
                SumShifted(layout, rows, x, shifts, shiftedSums);
            }

            // One pass over the channels: statistics, fold, moving update and optional outputs (ChannelFold).
            Span<T> scale = parameters.AsSpan(0, channels);
            Span<T> offset = parameters.AsSpan(channels, channels);
            var fold = new ChannelFold.Inputs<T>(
                useBatchStatistics, shifts, shiftedSums[..shifts.Length], shiftedSums[shifts.Length..], layout.ReductionCount, options, weights);
            int folded = typeof(T) == typeof(float)
                ? ChannelFold.Float(
                    new ChannelFold.Inputs<float>(useBatchStatistics, shifts, fold.Sums, fold.Squares, fold.Count, options, Cast<T, float>(weights)),
                    Cast<T, float>(destinations),
                    MemoryMarshal.Cast<T, float>(scale),
                    MemoryMarshal.Cast<T, float>(offset))
                : 0;
            ChannelFold.Scalar(folded, fold, destinations, scale, offset);

            var tiling = new Tiling(rows.RowCount, rows.RowLength, 1, rows.RowsShareChannels ? ColumnsPerChunk : 0, 64);
            fixed (T* pX = x)
            fixed (T* pScale = scale)
            fixed (T* pOffset = offset)
            fixed (T* pY = destinations.Y)
            {
                ChunkScheduler.Run(new FastNormalizeJob<T>(pX, pScale, pOffset, pY, rows, tiling), tiling.Count, Threads);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(parameters);
            ArrayPool<double>.Shared.Return(sums);
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
        if (options.Renorm is not null)
        {
            BackwardWithRenorm(layout, options, training, x, dy, weights, destinations);
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
                Cast<T, float>(weights),
                new BackwardDestinations<float>(MemoryMarshal.Cast<T, float>(destinations.Dx), MemoryMarshal.Cast<T, float>(destinations.Dgamma), MemoryMarshal.Cast<T, float>(destinations.Dbeta)));
        }
        else if (typeof(T) == typeof(Half))
        {
            HalfInFloat32.Backward(
                this,
                layout,
                options,
                training,
                MemoryMarshal.Cast<T, Half>(x),
                MemoryMarshal.Cast<T, Half>(dy),
                Cast<T, Half>(weights),
                new BackwardDestinations<Half>(MemoryMarshal.Cast<T, Half>(destinations.Dx), MemoryMarshal.Cast<T, Half>(destinations.Dgamma), MemoryMarshal.Cast<T, Half>(destinations.Dbeta)));
        }
        else if (typeof(T) == typeof(double))
        {
            BackwardInDouble(layout, options, training, x, dy, weights, destinations);
        }
        else
        {
            ScalarBatchNorm.Instance.Backward(layout, options, training, x, dy, weights, destinations);
        }
    }

    /// <summary>
    /// float32 backward in two passes over x and dy: per-channel sums of dy and dy · (x - mean), then
    /// dx = a · dy + b · (x - mean) + c with a = gamma / s, b = -a · Σdy(x - mean) / (N s²), c = -a · Σdy / N
    /// (b = c = 0 with moving statistics), s = sqrt(variance + epsilon).
    /// </summary>
    private void BackwardFloat(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, BatchNormWeights<float> weights, BackwardDestinations<float> destinations)
    {
        int channels = layout.ChannelCount;
        Span<int> layoutScratch = stackalloc int[RowLayout.ScratchLength]; // constant size, whatever the rank
        var rows = new RowLayout(layout, layoutScratch);
        double[] doubles = ArrayPool<double>.Shared.Rent(4 * channels);
        float[] floats = ArrayPool<float>.Shared.Rent(4 * channels);
        try
        {
            Span<double> mean = doubles.AsSpan(0, channels);
            Span<double> variance = doubles.AsSpan(channels, channels);
            Span<double> sums = doubles.AsSpan(2 * channels, 2 * channels);
            Span<double> sumDy = sums[..channels];
            Span<double> sumDyCentred = sums[channels..];
            bool useBatchStatistics = StatisticsOfTheCall(layout, rows, options, training, x, weights, mean, variance);

            Span<float> meanF = floats.AsSpan(0, channels);
            for (int c = 0; c < channels; c++)
            {
                meanF[c] = (float)mean[c];
            }

            Span<float> a = floats.AsSpan(channels, channels);
            Span<float> b = floats.AsSpan(2 * channels, channels);
            Span<float> cc = floats.AsSpan(3 * channels, channels);
            fixed (float* pX = x)
            fixed (float* pDy = dy)
            fixed (float* pMean = meanF)
            fixed (double* pSums = sums)
            fixed (float* pA = a)
            fixed (float* pB = b)
            fixed (float* pC = cc)
            fixed (float* pDx = destinations.Dx)
            {
                // Pass 1: Σ dy and Σ dy · (x - mean) per channel.
                if (rows.RowsShareChannels)
                {
                    int width = rows.RowLength;
                    var tiling = new Tiling(rows.RowCount, width, FastKernels.RowsPerBlock, ColumnsPerChunk, MaximumPartialSlots(width));
                    SumInSlots(new ChannelsLastGradientSumsJob(pX, pDy, pMean, null, tiling), tiling, width, pSums);
                }
                else
                {
                    var tiling = new Tiling(rows.RowCount, rows.RowLength, 1, 0, MaximumPartialSlots(channels));
                    SumInSlots(new RowGradientSumsJob(pX, pDy, pMean, null, channels, rows, tiling), tiling, channels, pSums);
                }

                // Per-channel coefficients of dx = a · dy + b · (x - mean) + c.
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
                var elementwise = new Tiling(rows.RowCount, rows.RowLength, 1, rows.RowsShareChannels ? ColumnsPerChunk : 0, 64);
                ChunkScheduler.Run(new GradientJob(pX, pDy, pMean, pA, pB, pC, pDx, rows, elementwise), elementwise.Count, Threads);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(floats);
            ArrayPool<double>.Shared.Return(doubles);
        }
    }

    /// <summary>float64 backward: plain loops in double, on the calling thread (no float64 kernels yet).</summary>
    private void BackwardInDouble<T>(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, BatchNormWeights<T> weights, BackwardDestinations<T> destinations)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        Span<int> layoutScratch = stackalloc int[RowLayout.ScratchLength]; // constant size, whatever the rank
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
    /// The statistics a call normalizes with (Keras: batch statistics only when training a trainable layer, else the
    /// moving ones); returns whether they are batch statistics.
    /// </summary>
    private bool StatisticsOfTheCall<T>(AxisResolution layout, RowLayout rows, BatchNormOptions options, bool training, ReadOnlySpan<T> x, BatchNormWeights<T> weights, Span<double> mean, Span<double> variance)
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
    private void ComputeStatistics<T>(AxisResolution layout, RowLayout rows, ReadOnlySpan<T> x, Span<double> mean, Span<double> variance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        double[] rented = ArrayPool<double>.Shared.Rent(3 * channels);
        try
        {
            Span<double> shifts = rented.AsSpan(0, channels);
            Span<double> sums = rented.AsSpan(channels, 2 * channels);
            SumShifted(layout, rows, x, shifts, sums);
            double count = layout.ReductionCount;
            for (int c = 0; c < channels; c++)
            {
                (mean[c], variance[c]) = ChannelFold.StatisticsFromSums(shifts[c], sums[c], sums[channels + c], count);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Each channel's shift (one of its own values) and the sums of x - shift and of its squares, in
    /// <paramref name="sums"/> as <c>[Σ (x - shift) per channel, Σ (x - shift)² per channel]</c>.
    /// </summary>
    private void SumShifted<T>(AxisResolution layout, RowLayout rows, ReadOnlySpan<T> x, Span<double> shifts, Span<double> sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int channels = layout.ChannelCount;
        fixed (T* pX = x)
        fixed (double* pShift = shifts)
        fixed (double* pSums = sums)
        {
            if (typeof(T) == typeof(float) && rows.RowsShareChannels)
            {
                // Every row holds the same channels (channels-last with one kept group): blocks of rows by channels.
                SumChannelsLast((float*)pX, rows, pShift, pSums);
            }
            else
            {
                ChooseShifts(x, channels, rows, shifts);
                var tiling = new Tiling(rows.RowCount, rows.RowLength, 1, 0, MaximumPartialSlots(channels));
                SumInSlots(new RowStatisticsJob<T>(pX, pShift, null, channels, rows, tiling), tiling, channels, pSums);
            }
        }
    }

    /// <summary>
    /// float32 channels-last (every row holds channels 0..C-1): tiles of rows by channels, accumulated in float32
    /// blocks of <see cref="FastKernels.RowsPerBlock"/> rows and added into double sums. The shift is row 0.
    /// </summary>
    private void SumChannelsLast(float* x, RowLayout rows, double* shift, double* sums)
    {
        int width = rows.RowLength;
        float[] rentedShift = ArrayPool<float>.Shared.Rent(width);
        try
        {
            fixed (float* floatShift = rentedShift)
            {
                new ReadOnlySpan<float>(x, width).CopyTo(new Span<float>(floatShift, width));
                var shifts = new Span<double>(shift, width);
                shifts.Clear();
                FastKernels.AddWidened(new ReadOnlySpan<float>(floatShift, width), shifts);

                var tiling = new Tiling(rows.RowCount, width, FastKernels.RowsPerBlock, ColumnsPerChunk, MaximumPartialSlots(width));
                SumInSlots(new ChannelsLastStatisticsJob(x, floatShift, null, tiling), tiling, width, sums);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rentedShift);
        }
    }

    /// <summary>
    /// Runs a summing job whose row chunks each add into their own slot of <c>2 × width</c> doubles, then merges the
    /// slots in chunk order into <paramref name="destination"/>. With one row chunk the destination is the slot.
    /// </summary>
    private void SumInSlots<TJob>(TJob job, Tiling tiling, int width, double* destination)
        where TJob : struct, IPartialSumJob<TJob>
    {
        int slots = tiling.RowChunks;
        int slotsLength = 2 * width * slots;
        double[]? rented = slots > 1 ? ArrayPool<double>.Shared.Rent(slotsLength) : null;
        try
        {
            fixed (double* pooled = rented)
            {
                double* partials = slots > 1 ? pooled : destination;
                new Span<double>(partials, slotsLength).Clear();
                ChunkScheduler.Run(job.WithPartials(partials), tiling.Count, Threads);
                if (slots > 1)
                {
                    PartialSums.Merge(partials, slots, 2 * width, destination);
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<double>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Row chunks whose partial sums fit the budget, at most 16: enough for any core count we see.</summary>
    private static int MaximumPartialSlots(int width) => Math.Clamp(PartialSumBudget / (2 * width), 1, 16);

    /// <summary>
    /// Each channel's shift is its first value in row order (any of its values would do; the first is fixed by the
    /// shape, so results do not depend on how rows are split among threads).
    /// </summary>
    private static void ChooseShifts<T>(ReadOnlySpan<T> x, int channels, RowLayout rows, Span<double> shift)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool[] rentedSeen = ArrayPool<bool>.Shared.Rent(channels);
        try
        {
            Span<bool> seen = rentedSeen.AsSpan(0, channels);
            seen.Clear();
            int unseen = channels;
            for (int row = 0; row < rows.RowCount && unseen > 0; row++)
            {
                int first = rows.FirstChannelOf(row);
                if (seen[first])
                {
                    continue; // rows cover whole runs of channels, so a run's first channel stands for all of them
                }

                ReadOnlySpan<T> values = x.Slice(row * rows.RowLength, rows.RowLength);
                if (rows.InnermostKept)
                {
                    Widen(values, shift.Slice(first, rows.RowLength));
                    unseen -= rows.RowLength;
                }
                else
                {
                    shift[first] = double.CreateTruncating(values[0]);
                    unseen--;
                }

                seen[first] = true;
            }
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(rentedSeen);
        }
    }

    /// <summary>float and double have kernels; Half is computed through float (<see cref="HalfInFloat32"/>).</summary>
    private static bool IsComputeType<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(double);

    private static BatchNormWeights<TTo> Cast<TFrom, TTo>(BatchNormWeights<TFrom> weights)
        where TFrom : struct
        where TTo : struct =>
        new(MemoryMarshal.Cast<TFrom, TTo>(weights.Gamma), MemoryMarshal.Cast<TFrom, TTo>(weights.Beta), MemoryMarshal.Cast<TFrom, TTo>(weights.MovingMean), MemoryMarshal.Cast<TFrom, TTo>(weights.MovingVariance));

    private static ForwardDestinations<TTo> Cast<TFrom, TTo>(ForwardDestinations<TFrom> destinations)
        where TFrom : struct
        where TTo : struct =>
        new(MemoryMarshal.Cast<TFrom, TTo>(destinations.Y), MemoryMarshal.Cast<TFrom, TTo>(destinations.MovingMean), MemoryMarshal.Cast<TFrom, TTo>(destinations.MovingVariance), MemoryMarshal.Cast<TFrom, TTo>(destinations.Mean), MemoryMarshal.Cast<TFrom, TTo>(destinations.Variance));

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
