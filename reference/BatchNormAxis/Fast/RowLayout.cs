using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// Any keep-set as rows of contiguous memory. Adjacent axes of the same kind (kept or reduced) are merged; the
/// innermost merged group is a row. A row is either a run of consecutive channels (innermost group kept:
/// channels-last style, NHWC with axis -1) or a run of one channel's elements (innermost group reduced:
/// channels-first style, NCHW with axis 1). The outer groups only decide which channel a row starts at.
/// </summary>
/// <remarks>
/// Holds a pointer to its scratch rather than a span, so that chunks running on other threads can carry it: the
/// scratch must be stack memory (<c>stackalloc</c>) of the method that waits for those chunks.
/// </remarks>
internal readonly unsafe struct RowLayout
{
    private readonly int* _outerSizes;
    private readonly int* _outerChannelWeights;
    private readonly int _outerGroups;

    /// <summary>
    /// Ints of scratch a layout needs at most: 2 × <see cref="AxisResolution.MaxRank"/>, so a caller's
    /// <c>stackalloc</c> has one constant size (512 bytes) and no rank can overflow the stack.
    /// </summary>
    public const int ScratchLength = 2 * AxisResolution.MaxRank;

    /// <summary>Builds the row view of a layout; <paramref name="scratch"/> is stack memory of at least 2 × rank ints.</summary>
    public RowLayout(AxisResolution layout, Span<int> scratch)
    {
        int rank = layout.Rank;
        Debug.Assert(rank <= AxisResolution.MaxRank, "AxisResolution.Resolve refuses larger ranks");
        Span<int> sizes = scratch[..rank];
        Span<int> weights = scratch[rank..(2 * rank)];

        // Merge runs of axes of one kind, outermost first; remember each group's kind.
        int groups = 0;
        bool previousKept = false;
        for (int axis = 0; axis < rank; axis++)
        {
            bool kept = layout.KeptAxes.Contains(axis);
            if (groups > 0 && kept == previousKept)
            {
                sizes[groups - 1] *= layout.Shape[axis];
            }
            else
            {
                sizes[groups] = layout.Shape[axis];
                weights[groups] = kept ? 1 : 0;
                groups++;
            }

            previousKept = kept;
        }

        InnermostKept = weights[groups - 1] != 0;
        RowLength = sizes[groups - 1];
        RowCount = layout.ElementCount / RowLength;

        // A kept group's channel weight is the product of the kept sizes inside it (row-major channel order).
        int channelStride = InnermostKept ? RowLength : 1;
        for (int g = groups - 2; g >= 0; g--)
        {
            if (weights[g] != 0)
            {
                weights[g] = channelStride;
                channelStride *= sizes[g];
            }
        }

        _outerGroups = groups - 1;
        _outerSizes = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(sizes));
        _outerChannelWeights = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(weights));
        RowsShareChannels = InnermostKept && groups <= 2;
    }

    /// <summary>True when every row holds the same channels: the only kept group is the innermost (channels-last).</summary>
    public bool RowsShareChannels { get; }

    /// <summary>Elements per row.</summary>
    public int RowLength { get; }

    /// <summary>Rows in the input.</summary>
    public int RowCount { get; }

    /// <summary>True when a row holds <see cref="RowLength"/> consecutive channels; false when it holds elements of one channel.</summary>
    public bool InnermostKept { get; }

    /// <summary>The channel of a row's first element.</summary>
    public int FirstChannelOf(int row)
    {
        int channel = 0;
        for (int g = _outerGroups - 1; g >= 0; g--)
        {
            channel += (row % _outerSizes[g]) * _outerChannelWeights[g];
            row /= _outerSizes[g];
        }

        return channel;
    }
}
