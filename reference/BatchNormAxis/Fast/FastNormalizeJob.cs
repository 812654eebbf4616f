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
    private readonly bool _streaming;

    public FastNormalizeJob(T* x, T* scale, T* shift, T* y, RowLayout rows, Tiling tiling, bool streaming)
    {
        _streaming = streaming;
        _x = x;
        _scale = scale;
        _shift = shift;
        _y = y;
        _rows = rows;
        _tiling = tiling;
    }

    public void Run(int chunk)
    {
        if (_rows.RowsShareChannels && _tiling.ColumnChunks == 1)
        {
            // Whole rows of the same channels: the chunk is one run of memory.
            (int firstRow, int rowCount, _, _) = _tiling[chunk];
            long start = (long)firstRow * _rows.RowLength;
            int length = rowCount * _rows.RowLength;
            int padded = _rows.RowLength + Vector<T>.Count;
            if (PairsRows(_rows))
            {
                RunRowPairs(firstRow, rowCount);
            }
            else
            {
                FastKernels.ScaleShiftRows(
                    new ReadOnlySpan<T>(_x + start, length), new ReadOnlySpan<T>(_scale, padded), new ReadOnlySpan<T>(_shift, padded), _rows.RowLength, new Span<T>(_y + start, length), _streaming);
            }
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

    /// <summary>Rows a chunk starts at a multiple of: 2 when whole rows go in pairs (<see cref="PairsRows"/>).</summary>
    public static int RowGranularity(RowLayout rows) => PairsRows(rows) ? 2 : 1;

    /// <summary>The longest run of consecutive elements the job writes at once (streaming stores need long ones).</summary>
    public static long RunLength(RowLayout rows, Tiling tiling) =>
        rows.RowsShareChannels && tiling.ColumnChunks == 1 ? (long)tiling.RowsPerChunk * rows.RowLength
        : rows.RowsShareChannels ? Math.Min(rows.RowLength, FastTuning.ElementwiseColumnsPerBlock) : rows.RowLength;

    /// <summary>
    /// Whether whole rows of the same channels go two at a time (<see cref="FastKernels.ScaleShiftRowPairs{T}"/>): rows
    /// of at least <see cref="FastTuning.PairedRowMinimumLength"/> channels, whose outputs all have the same alignment
    /// (a whole number of vectors per row), so both rows of a pair can stream.
    /// </summary>
    public static bool PairsRows(RowLayout rows) =>
        rows.RowsShareChannels && rows.RowLength >= FastTuning.PairedRowMinimumLength && (long)rows.RowLength * sizeof(T) % Vector<byte>.Count == 0;

    /// <summary>Whole rows <paramref name="firstRow"/> on, two at a time, then the last one alone if their count is odd.</summary>
    private void RunRowPairs(int firstRow, int rowCount)
    {
        int width = _rows.RowLength;
        long start = (long)firstRow * width;
        FastKernels.ScaleShiftRowPairs(_x + start, _y + start, width, rowCount, new ReadOnlySpan<T>(_scale, width), new ReadOnlySpan<T>(_shift, width), _streaming);
    }

    private void RunRows(int chunk)
    {
        foreach (TileBlock row in new TileWalk(_tiling, _rows, chunk, 1, FastTuning.ElementwiseColumnsPerBlock, columnBlocksOutside: true))
        {
            var values = new ReadOnlySpan<T>(_x + row.Start, row.Length);
            var destination = new Span<T>(_y + row.Start, row.Length);
            int c = row.Channel;
            if (_rows.InnermostKept)
            {
                FastKernels.ScaleShiftRows(values, new ReadOnlySpan<T>(_scale + c, row.Length), new ReadOnlySpan<T>(_shift + c, row.Length), row.Length, destination, _streaming);
            }
            else
            {
                FastKernels.ScaleShift(values, _scale[c], _shift[c], destination, _streaming);
            }
        }
    }
}
