using System.Numerics;

namespace BatchNormAxis;

/// <summary>y = x · scale + shift per channel over one tile of rows (and, channels-last, of columns) per chunk.</summary>
internal readonly unsafe struct FastNormalizeJob<T> : IChunkJob
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Channels-last columns whose scale and shift stay in L1 while every row's slice of them is done; wide rows
    /// (axis=[1, 2, 3]: 200704 channels) would otherwise re-read both arrays from memory per row.
    /// </summary>
    public const int ColumnsPerBlock = 2048;

    private readonly T* _x;
    private readonly T* _scale;
    private readonly T* _shift;
    private readonly T* _y;
    private readonly RowLayout _rows;
    private readonly Tiling _tiling;

    public FastNormalizeJob(T* x, T* scale, T* shift, T* y, RowLayout rows, Tiling tiling)
    {
        _x = x;
        _scale = scale;
        _shift = shift;
        _y = y;
        _rows = rows;
        _tiling = tiling;
    }

    public void Run(int chunk)
    {
        (int firstRow, int rowCount, int firstColumn, int columns) = _tiling[chunk];
        int length = _rows.RowLength;
        if (_rows.RowsShareChannels)
        {
            for (int column = firstColumn; column < firstColumn + columns; column += ColumnsPerBlock)
            {
                int blockWidth = Math.Min(ColumnsPerBlock, firstColumn + columns - column);
                var blockScale = new ReadOnlySpan<T>(_scale + column, blockWidth);
                var blockShift = new ReadOnlySpan<T>(_shift + column, blockWidth);
                for (int row = firstRow; row < firstRow + rowCount; row++)
                {
                    long start = ((long)row * length) + column;
                    FastKernels.ScaleShift(new ReadOnlySpan<T>(_x + start, blockWidth), blockScale, blockShift, new Span<T>(_y + start, blockWidth));
                }
            }

            return;
        }

        for (int row = firstRow; row < firstRow + rowCount; row++)
        {
            long start = (long)row * length;
            int first = _rows.FirstChannelOf(row);
            var values = new ReadOnlySpan<T>(_x + start, length);
            var destination = new Span<T>(_y + start, length);
            if (_rows.InnermostKept)
            {
                FastKernels.ScaleShift(values, new ReadOnlySpan<T>(_scale + first, length), new ReadOnlySpan<T>(_shift + first, length), destination);
            }
            else
            {
                FastKernels.ScaleShift(values, _scale[first], _shift[first], destination);
            }
        }
    }
}
