using System.Numerics;

namespace BatchNormAxis;

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
    private readonly bool _streaming;

    public GradientJob(T* x, T* dy, T* mean, T* a, T* b, T* c, T* dx, RowLayout rows, Tiling tiling, bool streaming)
    {
        _streaming = streaming;
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
        if (_rows.RowsShareChannels && _tiling.ColumnChunks == 1)
        {
            // Whole rows of the same channels: the chunk is one run of memory (coefficients repeated once).
            (int firstRow, int rowCount, _, _) = _tiling[chunk];
            long start = (long)firstRow * _rows.RowLength;
            int length = rowCount * _rows.RowLength;
            int padded = _rows.RowLength + Vector<T>.Count;
            FastGradientKernels.GradientRows(
                new ReadOnlySpan<T>(_x + start, length),
                new ReadOnlySpan<T>(_dy + start, length),
                new ReadOnlySpan<T>(_mean, padded),
                new ReadOnlySpan<T>(_a, padded),
                new ReadOnlySpan<T>(_b, padded),
                new ReadOnlySpan<T>(_c, padded),
                _rows.RowLength,
                new Span<T>(_dx + start, length),
                _streaming);
        }
        else
        {
            RunRows(chunk);
        }

        if (_streaming)
        {
            StreamingStores.Fence();
        }
    }

    private void RunRows(int chunk)
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
                FastGradientKernels.GradientRows(
                    x, dy, new ReadOnlySpan<T>(_mean + c, n), new ReadOnlySpan<T>(_a + c, n), new ReadOnlySpan<T>(_b + c, n), new ReadOnlySpan<T>(_c + c, n), n, dx, _streaming);
            }
            else
            {
                FastGradientKernels.GradientRow(x, dy, _mean[c], _a[c], _b[c], _c[c], dx, _streaming);
            }
        }
    }
}
