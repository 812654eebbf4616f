namespace BatchNormAxis;

/// <summary>
/// A per-channel array pinned by the caller (a <c>fixed</c> statement of the method that waits for the chunks), so
/// that chunk jobs on other threads can slice it; an empty array (gamma without scale, an omitted optional output)
/// slices to an empty span.
/// </summary>
internal readonly unsafe struct PinnedChannels<T>(T* start, int length)
    where T : unmanaged
{
    /// <summary>Channels <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/>, or empty.</summary>
    public Span<T> Slice(int first, int count) => length == 0 ? default : new Span<T>(start + first, count);
}
