namespace BatchNormAxis;

/// <summary>
/// A fixed split of the rows, and for channels-last of the columns too, into rectangular chunks. It depends on the
/// shape alone, never on the thread count: per-chunk partial sums merged in chunk order then give the same bits on
/// any number of threads and in every run.
/// </summary>
internal readonly struct Tiling
{
    /// <param name="rowCount">Rows of the input.</param>
    /// <param name="rowLength">Elements per row.</param>
    /// <param name="rowGranularity">Chunks start at multiples of this many rows (a kernel's block of rows).</param>
    /// <param name="columnsPerChunk">Columns per chunk for channels-last layouts (0: whole rows).</param>
    /// <param name="maximumRowChunks">At most this many row chunks (each may need its own partial sums).</param>
    public Tiling(int rowCount, int rowLength, int rowGranularity, int columnsPerChunk, int maximumRowChunks)
    {
        RowLength = rowLength;
        RowCount = rowCount;
        ColumnsPerChunk = columnsPerChunk <= 0 || columnsPerChunk >= rowLength ? rowLength : columnsPerChunk;
        ColumnChunks = (rowLength + ColumnsPerChunk - 1) / ColumnsPerChunk;

        long minimumRows = (FastTuning.MinimumChunkElements + (long)rowLength - 1) / rowLength;
        long rows = Math.Max(minimumRows, ((long)rowCount + maximumRowChunks - 1) / Math.Max(1, maximumRowChunks));
        rows = (rows + rowGranularity - 1) / rowGranularity * rowGranularity;
        RowsPerChunk = (int)Math.Clamp(rows, 1, Math.Max(1, rowCount));
        RowChunks = Math.Max(1, (rowCount + RowsPerChunk - 1) / RowsPerChunk);
    }

    public int RowCount { get; }

    public int RowLength { get; }

    public int RowsPerChunk { get; }

    /// <summary>Row chunks: the number of partial sums to merge.</summary>
    public int RowChunks { get; }

    public int ColumnsPerChunk { get; }

    public int ColumnChunks { get; }

    public int Count => RowChunks * ColumnChunks;

    /// <summary>Which row chunk a chunk belongs to: the slot of its partial sums.</summary>
    public int RowChunkOf(int chunk) => chunk / ColumnChunks;

    public (int FirstRow, int Rows, int FirstColumn, int Columns) this[int chunk]
    {
        get
        {
            int rowChunk = chunk / ColumnChunks;
            int columnChunk = chunk % ColumnChunks;
            int firstRow = rowChunk * RowsPerChunk;
            int firstColumn = columnChunk * ColumnsPerChunk;
            return (firstRow, Math.Min(RowsPerChunk, RowCount - firstRow), firstColumn, Math.Min(ColumnsPerChunk, RowLength - firstColumn));
        }
    }
}
