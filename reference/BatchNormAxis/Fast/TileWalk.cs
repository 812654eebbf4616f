namespace BatchNormAxis;

/// <summary>
/// One block of a chunk's tile: <see cref="Rows"/> rows of <see cref="Length"/> elements, a row length apart, from
/// element <see cref="Start"/>. Its first element belongs to <see cref="Channel"/>; the block's elements are
/// consecutive channels when the layout's rows are (<see cref="RowLayout.InnermostKept"/>), else all that channel.
/// </summary>
internal readonly record struct TileBlock(long Start, int Rows, int Length, int Channel)
{
    /// <summary>Elements from the first to the last of the block, with the given distance between rows.</summary>
    public int Extent(int rowLength) => ((Rows - 1) * rowLength) + Length;
}

/// <summary>
/// The blocks of one chunk, in a fixed order: the one walk of every job. Rows that share their channels
/// (channels-last) come in blocks of up to <c>rowsPerBlock</c> rows by <c>columnsPerBlock</c> columns, row blocks
/// outermost unless <c>columnBlocksOutside</c> (so a block's per-channel coefficients stay in cache for every row);
/// any other layout comes one whole row at a time, since its next row starts at another channel.
/// </summary>
/// <remarks>Used as <c>foreach (TileBlock block in new TileWalk(...))</c>: a struct enumerator, nothing allocated.</remarks>
internal struct TileWalk
{
    private readonly RowLayout _rows;
    private readonly int _firstRow;
    private readonly int _rowEnd;
    private readonly int _firstColumn;
    private readonly int _columnEnd;
    private readonly int _rowsPerBlock;
    private readonly int _columnsPerBlock;
    private readonly bool _columnBlocksOutside;
    private int _row;
    private int _column;
    private bool _started;

    public TileWalk(Tiling tiling, RowLayout rows, int chunk, int rowsPerBlock = 1, int columnsPerBlock = int.MaxValue, bool columnBlocksOutside = false)
    {
        (int firstRow, int rowCount, int firstColumn, int columns) = tiling[chunk];
        _rows = rows;
        _firstRow = firstRow;
        _rowEnd = firstRow + rowCount;
        _firstColumn = firstColumn;
        _columnEnd = firstColumn + columns;
        _rowsPerBlock = rows.RowsShareChannels ? rowsPerBlock : 1;
        _columnsPerBlock = rows.RowsShareChannels ? columnsPerBlock : int.MaxValue;
        _columnBlocksOutside = columnBlocksOutside;
        Current = default;
    }

    public TileBlock Current { get; private set; }

    public readonly TileWalk GetEnumerator() => this;

    public bool MoveNext()
    {
        if (!_started)
        {
            (_row, _column, _started) = (_firstRow, _firstColumn, true);
        }
        else if (_columnBlocksOutside)
        {
            _row += _rowsPerBlock;
            if (_row >= _rowEnd)
            {
                (_row, _column) = (_firstRow, _column + Math.Min(_columnsPerBlock, _columnEnd - _column));
            }
        }
        else
        {
            _column += Math.Min(_columnsPerBlock, _columnEnd - _column);
            if (_column >= _columnEnd)
            {
                (_row, _column) = (_row + _rowsPerBlock, _firstColumn);
            }
        }

        if (_row >= _rowEnd || _column >= _columnEnd)
        {
            return false;
        }

        // Rows that share their channels start at channel 0 (no division per row on the hot channels-last path).
        int channel = _rows.RowsShareChannels ? _column : _rows.FirstChannelOf(_row) + (_rows.InnermostKept ? _column : 0);
        Current = new TileBlock(
            ((long)_row * _rows.RowLength) + _column, Math.Min(_rowsPerBlock, _rowEnd - _row), Math.Min(_columnsPerBlock, _columnEnd - _column), channel);
        return true;
    }
}
