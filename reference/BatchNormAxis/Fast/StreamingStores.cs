using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BatchNormAxis;

/// <summary>
/// Stores of the elementwise passes (y, dx) that bypass the caches: a large output is not read again by this call,
/// and a normal store first reads each line it writes (a read for ownership), so streaming stores cut a pass's
/// memory traffic by a third. They need aligned addresses: a row's first elements up to the next vector boundary
/// take normal stores (<see cref="Head{T}(ref T, int)"/>). The values stored are the same either way.
/// </summary>
internal static unsafe class StreamingStores
{
    /// <summary>
    /// Whether a pass writing <paramref name="outputElements"/> elements of <paramref name="elementSize"/> bytes, in
    /// runs of <paramref name="runLength"/> consecutive elements, streams: only outputs too large to stay in cache
    /// for the next layer (<see cref="FastTuning.StreamingStoreBytes"/>), and only long runs, whose partly written
    /// first and last lines (normal stores) are few.
    /// </summary>
    public static bool PaysFor(long outputElements, int elementSize, long runLength) =>
        Vector.IsHardwareAccelerated && outputElements * elementSize >= FastTuning.StreamingStoreBytes && runLength >= FastTuning.StreamingMinimumRun;

    /// <summary>Orders a chunk's streaming stores before anything it does next (they bypass the usual store order on x86).</summary>
    public static void Fence()
    {
        if (Sse.IsSupported)
        {
            Sse.StoreFence();
        }
    }

    /// <summary>
    /// How many of the <paramref name="length"/> elements from <paramref name="destination"/> come before the first
    /// vector-aligned one (all of them when the destination can never be aligned).
    /// </summary>
    public static int Head<T>(ref T destination, int length)
        where T : unmanaged => Head(ref destination, length, Vector<byte>.Count);

    /// <summary><see cref="Head{T}(ref T, int)"/> for vectors of <paramref name="vectorBytes"/> bytes (the 512-bit loops of <see cref="NarrowRows"/>: 64).</summary>
    public static int Head<T>(ref T destination, int length, int vectorBytes)
        where T : unmanaged
    {
        nuint address = (nuint)Unsafe.AsPointer(ref destination);
        nuint alignment = (nuint)vectorBytes;
        if (address % (nuint)sizeof(T) != 0)
        {
            return length;
        }

        return (int)Math.Min((nuint)length, ((alignment - (address % alignment)) % alignment) / (nuint)sizeof(T));
    }

    /// <summary>destination[i] = value, streaming when asked (destination + i is then vector-aligned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Vector<T> value, ref T destination, nuint i, bool streaming)
        where T : unmanaged
    {
        if (streaming)
        {
            Vector.StoreAlignedNonTemporal(value, (T*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, i)));
        }
        else
        {
            value.StoreUnsafe(ref destination, i);
        }
    }

    /// <summary>destination[i] = value for the 512-bit loops (<see cref="NarrowRows"/>), streaming when asked (destination + i is then 64-byte aligned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Vector512<T> value, ref T destination, nuint i, bool streaming)
        where T : unmanaged
    {
        if (streaming)
        {
            Vector512.StoreAlignedNonTemporal(value, (T*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, i)));
        }
        else
        {
            value.StoreUnsafe(ref destination, i);
        }
    }
}
