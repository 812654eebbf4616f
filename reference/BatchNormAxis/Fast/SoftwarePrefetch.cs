using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace BatchNormAxis;

/// <summary>
/// Software prefetches of the stream a kernel reads, <see cref="FastTuning.PrefetchDistanceBytes"/> ahead of where it
/// reads. One core's bandwidth from memory is bounded by the cache lines it has in flight: a kernel that does more
/// work per line than a plain read holds fewer lines in its instruction window, and the hardware prefetchers alone
/// did not make up for it (the forward statistics read x at 0.6 of a plain read's speed). A prefetch is a hint: it
/// never faults, not even past the end of the data, and changes no value. x86 only (<see cref="Sse.Prefetch0"/>);
/// elsewhere it does nothing.
/// </summary>
internal static unsafe class SoftwarePrefetch
{
    /// <summary>Bytes of a cache line on the x86 cores the prefetch is for.</summary>
    public const int LineBytes = 64;

    /// <summary>float32 values per cache line: a loop over floats prefetches once every this many.</summary>
    public const int LineFloats = LineBytes / sizeof(float);

    /// <summary>Prefetches the lines of <paramref name="length"/> elements from <paramref name="start"/>, the prefetch distance ahead.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Ahead<T>(ref readonly T start, int length)
        where T : unmanaged
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        byte* ahead = (byte*)Unsafe.AsPointer(ref Unsafe.AsRef(in start)) + FastTuning.PrefetchDistanceBytes;
        nint bytes = (nint)length * sizeof(T);
        for (nint line = 0; line < bytes; line += LineBytes)
        {
            Sse.Prefetch0(ahead + line);
        }
    }

    /// <summary>Prefetches the line of element <paramref name="index"/> from <paramref name="start"/>, the prefetch distance ahead.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void At<T>(ref readonly T start, nuint index)
        where T : unmanaged
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0((byte*)Unsafe.AsPointer(ref Unsafe.Add(ref Unsafe.AsRef(in start), index)) + FastTuning.PrefetchDistanceBytes);
        }
    }
}
