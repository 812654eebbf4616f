using System.Numerics;

namespace BatchNormAxis;

/// <summary>
/// Backward pass 1 for a float32 channels-last input: Σ dy and Σ dy · (x - mean) per channel over one tile per
/// chunk, into the partial sums of the tile's row chunk: <c>[Σdy(width), Σdy·(x-mean)(width)]</c> per slot.
/// </summary>
internal readonly unsafe struct ChannelsLastGradientSumsJob : IPartialSumJob<ChannelsLastGradientSumsJob>
{
    private readonly float* _x;
    private readonly float* _dy;
    private readonly float* _mean;
    private readonly double* _partials;
    private readonly RowLayout _rows;
    private readonly Tiling _tiling;

    public ChannelsLastGradientSumsJob(float* x, float* dy, float* mean, double* partials, RowLayout rows, Tiling tiling)
    {
        _x = x;
        _dy = dy;
        _mean = mean;
        _partials = partials;
        _rows = rows;
        _tiling = tiling;
    }

    public ChannelsLastGradientSumsJob WithPartials(double* partials) => new(_x, _dy, _mean, partials, _rows, _tiling);

    public void Run(int chunk)
    {
        int width = _tiling.RowLength;
        double* sumDy = _partials + (2L * width * _tiling.RowChunkOf(chunk));
        double* sumDyCentred = sumDy + width;
        // Constant-size scratch (2 KB each), whatever the shape.
        Span<float> scratchDy = stackalloc float[FastTuning.ChannelsPerBlock];
        Span<float> scratchDyCentred = stackalloc float[FastTuning.ChannelsPerBlock];
        foreach (TileBlock block in new TileWalk(_tiling, _rows, chunk, FastTuning.RowsPerBlock, FastTuning.ChannelsPerBlock))
        {
            int extent = block.Extent(width);
            FastGradientKernels.AccumulateChannelBlock(
                new ReadOnlySpan<float>(_x + block.Start, extent),
                new ReadOnlySpan<float>(_dy + block.Start, extent),
                width,
                block.Rows,
                new ReadOnlySpan<float>(_mean + block.Channel, block.Length),
                scratchDy,
                scratchDyCentred,
                new Span<double>(sumDy + block.Channel, block.Length),
                new Span<double>(sumDyCentred + block.Channel, block.Length));
        }
    }
}

/// <summary>Backward pass 1 for any layout, row by row, one chunk of rows per partial-sum slot.</summary>
internal readonly unsafe struct RowGradientSumsJob<T> : IPartialSumJob<RowGradientSumsJob<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T* _x;
    private readonly T* _dy;
    private readonly T* _mean;
    private readonly double* _partials;
    private readonly int _channels;
    private readonly RowLayout _rows;
    private readonly Tiling _tiling;

    public RowGradientSumsJob(T* x, T* dy, T* mean, double* partials, int channels, RowLayout rows, Tiling tiling)
    {
        _x = x;
        _dy = dy;
        _mean = mean;
        _partials = partials;
        _channels = channels;
        _rows = rows;
        _tiling = tiling;
    }

    public RowGradientSumsJob<T> WithPartials(double* partials) => new(_x, _dy, _mean, partials, _channels, _rows, _tiling);

    public void Run(int chunk)
    {
        double* sumDy = _partials + (2L * _channels * _tiling.RowChunkOf(chunk));
        double* sumDyCentred = sumDy + _channels;
        foreach (TileBlock row in new TileWalk(_tiling, _rows, chunk))
        {
            int n = row.Length;
            int c = row.Channel;
            var x = new ReadOnlySpan<T>(_x + row.Start, n);
            var dy = new ReadOnlySpan<T>(_dy + row.Start, n);
            if (_rows.InnermostKept)
            {
                FastGradientKernels.AccumulateChannels(x, dy, new ReadOnlySpan<T>(_mean + c, n), new Span<double>(sumDy + c, n), new Span<double>(sumDyCentred + c, n));
            }
            else
            {
                (double rowDy, double rowDyCentred) = FastGradientKernels.AccumulateOneChannel(x, dy, _mean[c]);
                sumDy[c] += rowDy;
                sumDyCentred[c] += rowDyCentred;
            }
        }
    }
}

/// <summary>Backward pass 2: dx = a · dy + b · (x - mean) + c per channel over one tile per chunk.</summary>
internal readonly unsafe struct GradientJob<T> : IChunkJob
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T* _x;
    private readonly T* _dy;
    private readonly T* _mean;
    private readonly T* _a;
    private readonly T* _b;
    private readonly T* _c;
    private readonly T* _dx;
    private readonly RowLayout _rows;
    private readonly Tiling _tiling;

    public GradientJob(T* x, T* dy, T* mean, T* a, T* b, T* c, T* dx, RowLayout rows, Tiling tiling)
    {
        _x = x;
        _dy = dy;
        _mean = mean;
        _a = a;
        _b = b;
        _c = c;
        _dx = dx;
        _rows = rows;
        _tiling = tiling;
    }

    public void Run(int chunk)
    {
        foreach (TileBlock row in new TileWalk(_tiling, _rows, chunk, 1, FastTuning.ElementwiseColumnsPerBlock, columnBlocksOutside: true))
        {
            int n = row.Length;
            int c = row.Channel;
            var x = new ReadOnlySpan<T>(_x + row.Start, n);
            var dy = new ReadOnlySpan<T>(_dy + row.Start, n);
            var dx = new Span<T>(_dx + row.Start, n);
            if (_rows.InnermostKept)
            {
                FastGradientKernels.GradientRow(
                    x, dy, new ReadOnlySpan<T>(_mean + c, n), new ReadOnlySpan<T>(_a + c, n), new ReadOnlySpan<T>(_b + c, n), new ReadOnlySpan<T>(_c + c, n), dx);
            }
            else
            {
                FastGradientKernels.GradientRow(x, dy, _mean[c], _a[c], _b[c], _c[c], dx);
            }
        }
    }
}
