using System.Runtime.InteropServices;

namespace BatchNormAxis;

/// <summary>
/// The first element of a span that must hold at least a given count, for vector loops that then load and store
/// through refs without bounds checks: a span shorter than the count throws here, before the loop, not inside it.
/// </summary>
internal static class SpanStart
{
    /// <summary>The first of <paramref name="length"/> elements, which <paramref name="values"/> must have (else it throws).</summary>
    public static ref T Of<T>(ReadOnlySpan<T> values, int length) => ref MemoryMarshal.GetReference(values[..length]);

    /// <inheritdoc cref="Of{T}(ReadOnlySpan{T}, int)"/>
    public static ref T Of<T>(Span<T> values, int length) => ref MemoryMarshal.GetReference(values[..length]);
}
