using System.Globalization;

namespace BatchNormAxis.Cli;

/// <summary>
/// What <c>bnaxis bench</c> will allocate, checked against what the GC may use before anything is allocated, so a
/// shape that cannot fit is a one-line refusal (exit 2) rather than an <see cref="OutOfMemoryException"/> minutes in.
/// </summary>
internal static class BenchMemory
{
    /// <summary>The copy probe's two float arrays of 50 M elements (400 MB).</summary>
    public const long CopyProbeBytes = 2L * CopyProbeElements * sizeof(float);

    /// <summary>Elements of each array of the copy probe.</summary>
    public const int CopyProbeElements = 50_000_000;

    /// <summary>
    /// The share of the GC's available memory a bench may plan to use; the rest is margin for the runtime, the
    /// thread pool and the allocator's slack (the estimate counts arrays, not their headers or fragmentation).
    /// </summary>
    private const double UsableShare = 0.8;

    /// <summary>
    /// Bytes of every array a bench of <paramref name="layout"/> holds at its peak, counted generously: the copy probe
    /// (garbage by then, counted anyway since the GC need not have reclaimed it), x and y (and dy for backward) of
    /// <paramref name="elementBytes"/> each, a mask's flags, the eight per-channel arrays, and the implementation's own scratch: the fast one pools up to 48 bytes per
    /// channel and partial sums of 8 MB or 16 bytes per channel; the scalar reference widens every full-size array
    /// to double and keeps a channel index per element. A channels-last shape of one axis has a channel per element,
    /// so <c>--shape 1000000000</c> needs over 100 GB.
    /// </summary>
    public static long Estimate(AxisResolution layout, string mode, IBatchNormalization implementation, int elementBytes = sizeof(float))
    {
        long elements = layout.ElementCount;
        long channels = layout.ChannelCount;
        bool backward = mode == "backward";
        long data = ((backward ? 3 : 2) * elements * elementBytes) + elements; // and at most one mask flag per element
        long perChannel = 8 * channels * elementBytes;
        long scratch = implementation is ScalarBatchNorm
            ? ((backward ? 36 : 20) * elements) + (128 * channels)
            : (64 * channels) + (16L << 20);
        return CopyProbeBytes + data + perChannel + scratch;
    }

    /// <summary>Bytes the GC may use in this process: the machine's memory, or a container's or <c>GCHeapHardLimit</c>'s bound.</summary>
    public static long Available() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Refuses a bench whose estimate exceeds <see cref="UsableShare"/> of what is available.</summary>
    /// <exception cref="CommandLineValueException">It does not fit.</exception>
    public static void RequireFits(AxisResolution layout, long needed, long available)
    {
        if (needed > UsableShare * available)
        {
            throw DoesNotFit(layout, needed, available);
        }
    }

    /// <summary>The one-line refusal, also used when an allocation fails despite the estimate.</summary>
    public static CommandLineValueException DoesNotFit(AxisResolution layout, long needed, long available) =>
        new(string.Create(
            CultureInfo.InvariantCulture,
            $"--shape {ShapeText.Tuple(layout.Shape.AsSpan())} does not fit in memory: the bench needs about {needed} bytes ({Gigabytes(needed)}) and the GC has {available} bytes ({Gigabytes(available)}), of which it plans to use at most {UsableShare:P0}: expected a smaller shape"));

    private static string Gigabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:F1} GB");
}
