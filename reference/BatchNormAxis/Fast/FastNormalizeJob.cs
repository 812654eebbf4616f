using System.Numerics;

namespace BatchNormAxis;

/// <summary>y = x · scale + shift per channel over one tile of rows (and, channels-last, of columns) per chunk.</summary>
internal readonly unsafe struct FastNormalizeJob<T> : IChunkJob
    where T : unmanaged, IFloatingPointIeee754<T>
{
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
        foreach (TileBlock row in new TileWalk(_tiling, _rows, chunk, 1, FastTuning.ElementwiseColumnsPerBlock, columnBlocksOutside: true))
        {
            var values = new ReadOnlySpan<T>(_x + row.Start, row.Length);
            var destination = new Span<T>(_y + row.Start, row.Length);
            int c = row.Channel;
            if (_rows.InnermostKept)
            {
                FastKernels.ScaleShift(values, new ReadOnlySpan<T>(_scale + c, row.Length), new ReadOnlySpan<T>(_shift + c, row.Length), destination);
            }
            else
            {
                FastKernels.ScaleShift(values, _scale[c], _shift[c], destination);
            }
        }
    }
}
