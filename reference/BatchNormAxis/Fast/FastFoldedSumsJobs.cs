using System.Numerics;

namespace BatchNormAxis;

/// <summary>
/// Backward pass 1 with the statistics folded in (<see cref="FoldedSums"/>) for a float32 channels-last input: one
/// tile per chunk into the partial sums of its row chunk, <c>[Σd, Σd², Σdy, Σdy·d]</c> of <c>width</c> each per slot.
/// </summary>
internal readonly unsafe struct ChannelsLastFoldedSumsJob : IPartialSumJob<ChannelsLastFoldedSumsJob>
{
    private readonly float* _x;
    private readonly float* _dy;
    private readonly float* _shift;
    private readonly double* _partials;
    private readonly RowLayout _rows;
    private readonly Tiling _tiling;

    public ChannelsLastFoldedSumsJob(float* x, float* dy, float* shift, double* partials, RowLayout rows, Tiling tiling)
    {
        _x = x;
        _dy = dy;
        _shift = shift;
        _partials = partials;
        _rows = rows;
        _tiling = tiling;
    }

    public ChannelsLastFoldedSumsJob WithPartials(double* partials) => new(_x, _dy, _shift, partials, _rows, _tiling);

    public void Run(int chunk)
    {
        int width = _tiling.RowLength;
        var slot = FoldedSums.Of(new Span<double>(_partials + (4L * width * _tiling.RowChunkOf(chunk)), 4 * width));
        Span<float> scratch = stackalloc float[4 * FastTuning.ChannelsPerBlock]; // constant size (8 KB), whatever the shape
        foreach (TileBlock block in new TileWalk(_tiling, _rows, chunk, FastTuning.RowsPerBlock, FastTuning.ChannelsPerBlock))
        {
            int extent = block.Extent(width);
            FastGradientKernels.AccumulateFoldedBlock(
                new ReadOnlySpan<float>(_x + block.Start, extent),
                new ReadOnlySpan<float>(_dy + block.Start, extent),
                width,
                block.Rows,
                new ReadOnlySpan<float>(_shift + block.Channel, block.Length),
                scratch,
                slot.Slice(block.Channel, block.Length));
        }
    }
}

/// <summary>Backward pass 1 with the statistics folded in, for any layout, row by row, one chunk of rows per slot.</summary>
internal readonly unsafe struct RowFoldedSumsJob<T> : IPartialSumJob<RowFoldedSumsJob<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T* _x;
    private readonly T* _dy;
    private readonly double* _shift;
    private readonly double* _partials;
    private readonly int _channels;
    private readonly RowLayout _rows;
    private readonly Tiling _tiling;

    public RowFoldedSumsJob(T* x, T* dy, double* shift, double* partials, int channels, RowLayout rows, Tiling tiling)
    {
        _x = x;
        _dy = dy;
        _shift = shift;
        _partials = partials;
        _channels = channels;
        _rows = rows;
        _tiling = tiling;
    }

    public RowFoldedSumsJob<T> WithPartials(double* partials) => new(_x, _dy, _shift, partials, _channels, _rows, _tiling);

    public void Run(int chunk)
    {
        var slot = FoldedSums.Of(new Span<double>(_partials + (4L * _channels * _tiling.RowChunkOf(chunk)), 4 * _channels));
        foreach (TileBlock row in new TileWalk(_tiling, _rows, chunk))
        {
            int n = row.Length;
            int c = row.Channel;
            var x = new ReadOnlySpan<T>(_x + row.Start, n);
            var dy = new ReadOnlySpan<T>(_dy + row.Start, n);
            if (_rows.InnermostKept)
            {
                FastGradientKernels.AccumulateFoldedChannels(x, dy, new ReadOnlySpan<double>(_shift + c, n), slot.Slice(c, n));
            }
            else
            {
                (double sum, double squares, double sumDy, double sumDyShifted) = FastGradientKernels.AccumulateFoldedOneChannel(x, dy, _shift[c]);
                slot.Sum[c] += sum;
                slot.Squares[c] += squares;
                slot.SumDy[c] += sumDy;
                slot.SumDyShifted[c] += sumDyShifted;
            }
        }
    }
}
