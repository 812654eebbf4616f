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
    private readonly Tiling _tiling;

    public ChannelsLastGradientSumsJob(float* x, float* dy, float* mean, double* partials, Tiling tiling)
    {
        _x = x;
        _dy = dy;
        _mean = mean;
        _partials = partials;
        _tiling = tiling;
    }

    public ChannelsLastGradientSumsJob WithPartials(double* partials) => new(_x, _dy, _mean, partials, _tiling);

    public void Run(int chunk)
    {
        (int firstRow, int rows, int firstColumn, int columns) = _tiling[chunk];
        int width = _tiling.RowLength;
        double* sumDy = _partials + (2L * width * _tiling.RowChunkOf(chunk));
        double* sumDyCentred = sumDy + width;
        // Constant-size scratch (2 KB each), whatever the shape.
        Span<float> scratchDy = stackalloc float[FastKernels.ChannelsPerBlock];
        Span<float> scratchDyCentred = stackalloc float[FastKernels.ChannelsPerBlock];
        for (int row = firstRow; row < firstRow + rows; row += FastKernels.RowsPerBlock)
        {
            int blockRows = Math.Min(FastKernels.RowsPerBlock, firstRow + rows - row);
            for (int column = firstColumn; column < firstColumn + columns; column += FastKernels.ChannelsPerBlock)
            {
                int blockWidth = Math.Min(FastKernels.ChannelsPerBlock, firstColumn + columns - column);
                long offset = ((long)row * width) + column;
                int span = ((blockRows - 1) * width) + blockWidth;
                FastGradientKernels.AccumulateChannelBlock(
                    new ReadOnlySpan<float>(_x + offset, span),
                    new ReadOnlySpan<float>(_dy + offset, span),
                    width,
                    blockRows,
                    new ReadOnlySpan<float>(_mean + column, blockWidth),
                    scratchDy,
                    scratchDyCentred,
                    new Span<double>(sumDy + column, blockWidth),
                    new Span<double>(sumDyCentred + column, blockWidth));
            }
        }
    }
}

/// <summary>Backward pass 1 for any float32 layout, row by row, one chunk of rows per partial-sum slot.</summary>
internal readonly unsafe struct RowGradientSumsJob : IPartialSumJob<RowGradientSumsJob>
{
    private readonly float* _x;
    private readonly float* _dy;
    private readonly float* _mean;
    private readonly double* _partials;
    private readonly int _channels;
    private readonly RowLayout _rows;
    private readonly Tiling _tiling;

    public RowGradientSumsJob(float* x, float* dy, float* mean, double* partials, int channels, RowLayout rows, Tiling tiling)
    {
        _x = x;
        _dy = dy;
        _mean = mean;
        _partials = partials;
        _channels = channels;
        _rows = rows;
        _tiling = tiling;
    }

    public RowGradientSumsJob WithPartials(double* partials) => new(_x, _dy, _mean, partials, _channels, _rows, _tiling);

    public void Run(int chunk)
    {
        (int firstRow, int rowCount, _, _) = _tiling[chunk];
        int length = _rows.RowLength;
        double* sumDy = _partials + (2L * _channels * chunk);
        double* sumDyCentred = sumDy + _channels;
        for (int row = firstRow; row < firstRow + rowCount; row++)
        {
            long start = (long)row * length;
            int first = _rows.FirstChannelOf(row);
            if (_rows.InnermostKept)
            {
                for (int i = 0; i < length; i++)
                {
                    double g = _dy[start + i];
                    sumDy[first + i] += g;
                    sumDyCentred[first + i] += g * ((double)_x[start + i] - _mean[first + i]);
                }
            }
            else
            {
                (double rowDy, double rowDyCentred) = FastGradientKernels.AccumulateOneChannel(
                    new ReadOnlySpan<float>(_x + start, length), new ReadOnlySpan<float>(_dy + start, length), _mean[first]);
                sumDy[first] += rowDy;
                sumDyCentred[first] += rowDyCentred;
            }
        }
    }
}

/// <summary>Backward pass 2 for float32: dx = a · dy + b · (x - mean) + c per channel over one tile per chunk.</summary>
internal readonly unsafe struct GradientJob : IChunkJob
{
    private readonly float* _x;
    private readonly float* _dy;
    private readonly float* _mean;
    private readonly float* _a;
    private readonly float* _b;
    private readonly float* _c;
    private readonly float* _dx;
    private readonly RowLayout _rows;
    private readonly Tiling _tiling;

    public GradientJob(float* x, float* dy, float* mean, float* a, float* b, float* c, float* dx, RowLayout rows, Tiling tiling)
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
        (int firstRow, int rowCount, int firstColumn, int columns) = _tiling[chunk];
        int length = _rows.RowLength;
        if (_rows.RowsShareChannels)
        {
            for (int column = firstColumn; column < firstColumn + columns; column += FastNormalizeJob<float>.ColumnsPerBlock)
            {
                int w = Math.Min(FastNormalizeJob<float>.ColumnsPerBlock, firstColumn + columns - column);
                for (int row = firstRow; row < firstRow + rowCount; row++)
                {
                    long start = ((long)row * length) + column;
                    FastGradientKernels.GradientRow(
                        new ReadOnlySpan<float>(_x + start, w), new ReadOnlySpan<float>(_dy + start, w), new ReadOnlySpan<float>(_mean + column, w),
                        new ReadOnlySpan<float>(_a + column, w), new ReadOnlySpan<float>(_b + column, w), new ReadOnlySpan<float>(_c + column, w), new Span<float>(_dx + start, w));
                }
            }

            return;
        }

        for (int row = firstRow; row < firstRow + rowCount; row++)
        {
            long start = (long)row * length;
            int first = _rows.FirstChannelOf(row);
            var x = new ReadOnlySpan<float>(_x + start, length);
            var dy = new ReadOnlySpan<float>(_dy + start, length);
            var dx = new Span<float>(_dx + start, length);
            if (_rows.InnermostKept)
            {
                FastGradientKernels.GradientRow(
                    x, dy, new ReadOnlySpan<float>(_mean + first, length), new ReadOnlySpan<float>(_a + first, length),
                    new ReadOnlySpan<float>(_b + first, length), new ReadOnlySpan<float>(_c + first, length), dx);
            }
            else
            {
                FastGradientKernels.GradientRow(x, dy, _mean[first], _a[first], _b[first], _c[first], dx);
            }
        }
    }
}
