using System.Buffers;

namespace BatchNormAxis;

/// <summary>
/// The wide-columns path of the fast implementation (<see cref="WideColumns"/>): float32 channels-last inputs of
/// few rows, one block of columns at a time from start to end, on the pass-by-pass path's kernels but for the
/// statistics, whose groups of eight rows are added as a tree (<see cref="RowGroupTree"/>).
/// </summary>
public sealed unsafe partial class FastBatchNorm
{
    /// <summary>A training forward; with a mask, each channel's shift is its first kept value (<see cref="ChooseMaskedShifts{T}"/>), chosen before the blocks.</summary>
    private void ForwardWide(AxisResolution layout, RowLayout rows, BatchNormOptions options, ReadOnlySpan<float> x, BatchNormWeights<float> weights, ForwardDestinations<float> destinations, ReadOnlySpan<bool> mask)
    {
        Tiling chunks = WideColumns.Chunks(rows, mask.IsEmpty ? WideForwardChunkBytes : FastTuning.WideChunkBytes);
        int segment = layout.Shape[^1];
        double[]? maskedShifts = mask.IsEmpty ? null : ArrayPool<double>.Shared.Rent(rows.RowLength);
        try
        {
            if (maskedShifts is not null)
            {
                ChooseMaskedShifts(x, mask, segment, rows, maskedShifts.AsSpan(0, rows.RowLength));
            }

            fixed (bool* pMask = mask)
            fixed (double* pShifts = maskedShifts)
            fixed (float* pX = x)
            fixed (float* pY = destinations.Y)
            fixed (float* pGamma = weights.Gamma)
            fixed (float* pBeta = weights.Beta)
            fixed (float* pMovingMean = weights.MovingMean)
            fixed (float* pMovingVariance = weights.MovingVariance)
            fixed (float* pNewMovingMean = destinations.MovingMean)
            fixed (float* pNewMovingVariance = destinations.MovingVariance)
            fixed (float* pMean = destinations.Mean)
            fixed (float* pVariance = destinations.Variance)
            {
                var job = new WideForwardJob(
                    pX,
                    pY,
                    rows,
                    chunks,
                    new PinnedMask(pMask, segment, pShifts),
                    options,
                    Pin(weights, pGamma, pBeta, pMovingMean, pMovingVariance),
                    new(pNewMovingMean, destinations.MovingMean.Length),
                    new(pNewMovingVariance, destinations.MovingVariance.Length),
                    new(pMean, destinations.Mean.Length),
                    new(pVariance, destinations.Variance.Length),
                    StreamingStores.PaysFor(x.Length, sizeof(float), chunks.ColumnsPerChunk));
                ChunkScheduler.Run(job, chunks.Count, Threads);
            }
        }
        finally
        {
            if (maskedShifts is not null)
            {
                ArrayPool<double>.Shared.Return(maskedShifts);
            }
        }
    }

    private void BackwardWide(RowLayout rows, BatchNormOptions options, bool useBatchStatistics, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, BatchNormWeights<float> weights, BackwardDestinations<float> destinations)
    {
        Tiling chunks = WideColumns.Chunks(rows, WideBackwardChunkBytes);
        fixed (float* pX = x)
        fixed (float* pDy = dy)
        fixed (float* pDx = destinations.Dx)
        fixed (float* pGamma = weights.Gamma)
        fixed (float* pBeta = weights.Beta)
        fixed (float* pMovingMean = weights.MovingMean)
        fixed (float* pMovingVariance = weights.MovingVariance)
        fixed (float* pDgamma = destinations.Dgamma)
        fixed (float* pDbeta = destinations.Dbeta)
        {
            var job = new WideBackwardJob(
                pX,
                pDy,
                pDx,
                rows,
                chunks,
                useBatchStatistics,
                options,
                Pin(weights, pGamma, pBeta, pMovingMean, pMovingVariance),
                new(pDgamma, destinations.Dgamma.Length),
                new(pDbeta, destinations.Dbeta.Length),
                StreamingStores.PaysFor(x.Length, sizeof(float), chunks.ColumnsPerChunk));
            ChunkScheduler.Run(job, chunks.Count, Threads);
        }
    }

    private static PinnedWeights<T> Pin<T>(BatchNormWeights<T> weights, T* gamma, T* beta, T* movingMean, T* movingVariance)
        where T : unmanaged =>
        new(new(gamma, weights.Gamma.Length), new(beta, weights.Beta.Length), new(movingMean, weights.MovingMean.Length), new(movingVariance, weights.MovingVariance.Length));
}
