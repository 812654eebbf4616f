using System.Numerics;
using System.Numerics.Tensors;

namespace BatchNormAxis;

/// <summary>
/// Shifted sums of the positions a Keras 3 mask keeps, row by row, one chunk of rows per partial-sum slot
/// <c>[sum(channels), squares(channels), counts(channels)]</c>. The mask holds one flag per segment of consecutive
/// elements (the input's last axis), and every row is a whole number of segments. A kept segment of a row of
/// consecutive channels adds its values to their channels and 1 to each of their counts; a kept segment of a row of
/// one channel adds its values, and its length to that channel's count.
/// </summary>
internal readonly unsafe struct MaskedStatisticsJob<T> : IPartialSumJob<MaskedStatisticsJob<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T* _x;
    private readonly bool* _mask;
    private readonly int _segment;
    private readonly double* _shift;
    private readonly double* _partials;
    private readonly int _channels;
    private readonly RowLayout _rows;
    private readonly Tiling _tiling;

    public MaskedStatisticsJob(T* x, bool* mask, int segment, double* shift, double* partials, int channels, RowLayout rows, Tiling tiling)
    {
        _x = x;
        _mask = mask;
        _segment = segment;
        _shift = shift;
        _partials = partials;
        _channels = channels;
        _rows = rows;
        _tiling = tiling;
    }

    public MaskedStatisticsJob<T> WithPartials(double* partials) => new(_x, _mask, _segment, _shift, partials, _channels, _rows, _tiling);

    public void Run(int chunk)
    {
        double* sum = _partials + (3L * _channels * _tiling.RowChunkOf(chunk));
        double* squares = sum + _channels;
        double* counts = squares + _channels;
        foreach (TileBlock row in new TileWalk(_tiling, _rows, chunk))
        {
            var values = new ReadOnlySpan<T>(_x + row.Start, row.Length);
            var flags = new ReadOnlySpan<bool>(_mask + (row.Start / _segment), row.Length / _segment);
            int c = row.Channel;
            if (_rows.InnermostKept)
            {
                for (int s = 0; s < flags.Length; s++)
                {
                    if (flags[s])
                    {
                        int first = c + (s * _segment);
                        FastKernels.AccumulateChannels(
                            values.Slice(s * _segment, _segment),
                            new ReadOnlySpan<double>(_shift + first, _segment),
                            new Span<double>(sum + first, _segment),
                            new Span<double>(squares + first, _segment));
                        var kept = new Span<double>(counts + first, _segment);
                        TensorPrimitives.Add(kept, 1.0, kept);
                    }
                }
            }
            else
            {
                (double rowSum, double rowSquares, int kept) = MaskedKernels.AccumulateOneChannel(values, _shift[c], flags, _segment);
                sum[c] += rowSum;
                squares[c] += rowSquares;
                counts[c] += kept;
            }
        }
    }
}

/// <summary>
/// <see cref="MaskedStatisticsJob{T}"/> for a float32 channels-last input (every row holds channels 0..width-1):
/// tiles of rows by columns summed in float32 blocks (<see cref="MaskedKernels.AccumulateRowBlock"/>), as the
/// unmasked <see cref="ChannelsLastStatisticsJob"/> sums them.
/// </summary>
internal readonly unsafe struct MaskedChannelsLastStatisticsJob : IPartialSumJob<MaskedChannelsLastStatisticsJob>
{
    private readonly float* _x;
    private readonly bool* _mask;
    private readonly int _segment;
    private readonly float* _shift;
    private readonly double* _partials;
    private readonly RowLayout _rows;
    private readonly Tiling _tiling;

    public MaskedChannelsLastStatisticsJob(float* x, bool* mask, int segment, float* shift, double* partials, RowLayout rows, Tiling tiling)
    {
        _x = x;
        _mask = mask;
        _segment = segment;
        _shift = shift;
        _partials = partials;
        _rows = rows;
        _tiling = tiling;
    }

    public MaskedChannelsLastStatisticsJob WithPartials(double* partials) => new(_x, _mask, _segment, _shift, partials, _rows, _tiling);

    public void Run(int chunk)
    {
        int width = _tiling.RowLength;
        int segmentsPerRow = width / _segment;
        double* sum = _partials + (3L * width * _tiling.RowChunkOf(chunk));
        double* squares = sum + width;
        double* counts = squares + width;
        // Constant-size scratch (2 KB each), whatever the shape.
        var scratch = new RowBlockScratch(
            stackalloc float[FastTuning.ChannelsPerBlock], stackalloc float[FastTuning.ChannelsPerBlock], stackalloc float[FastTuning.ChannelsPerBlock]);
        foreach (TileBlock block in new TileWalk(_tiling, _rows, chunk, FastTuning.RowsPerBlock, FastTuning.ChannelsPerBlock))
        {
            long firstRow = block.Start / width;
            MaskedKernels.AccumulateRowBlock(
                new ReadOnlySpan<float>(_x + block.Start, block.Extent(width)),
                width,
                block.Rows,
                block.Channel,
                new ReadOnlySpan<bool>(_mask + (firstRow * segmentsPerRow), block.Rows * segmentsPerRow),
                _segment,
                new ReadOnlySpan<float>(_shift + block.Channel, block.Length),
                scratch,
                new Span<double>(sum + block.Channel, block.Length),
                new Span<double>(squares + block.Channel, block.Length),
                new Span<double>(counts + block.Channel, block.Length));
        }
    }
}
