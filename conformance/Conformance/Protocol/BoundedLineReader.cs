using System.Buffers;

namespace BatchNormAxis.Conformance.Protocol;

/// <summary>One line read from a protocol peer: its bytes without the <c>\n</c>, or only its length when it was longer than allowed.</summary>
/// <param name="Bytes">The line's bytes, or null when it was too long to keep.</param>
/// <param name="Length">The line's length in bytes (for a too-long line, all of it, though none was kept).</param>
public readonly record struct ReceivedLine(byte[]? Bytes, long Length)
{
    /// <summary>Whether the line was longer than the reader's bound and was dropped.</summary>
    public bool TooLong => Bytes is null;
}

/// <summary>
/// Reads <c>\n</c>-terminated lines of bytes from a stream, keeping at most <c>maxLineBytes</c> of any line: a longer
/// line is read to its end and dropped, so a peer that prints 200 MB without a newline costs the bound, not 200 MB.
/// Not thread-safe; one reader per stream.
/// </summary>
public sealed class BoundedLineReader
{
    private const int ChunkSize = 64 * 1024;

    // A buffer that once held a long line is given back rather than kept for the rest of the run.
    private const int RetainedCapacity = 1024 * 1024;

    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private readonly byte[] _chunk = new byte[ChunkSize];
    private ArrayBufferWriter<byte> _line = new();
    private int _start;
    private int _end;
    private bool _endOfStream;

    /// <summary>Creates a reader.</summary>
    /// <param name="stream">The stream to read.</param>
    /// <param name="maxLineBytes">The longest line kept, in bytes (without the <c>\n</c>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLineBytes"/> is not positive.</exception>
    public BoundedLineReader(Stream stream, int maxLineBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLineBytes);
        _stream = stream;
        _maxLineBytes = maxLineBytes;
    }

    /// <summary>Reads the next line, blocking until it is complete.</summary>
    /// <returns>The line, or null at end of stream. A last line without <c>\n</c> counts as a line.</returns>
    /// <exception cref="IOException">The stream failed.</exception>
    public ReceivedLine? ReadLine()
    {
        if (_line.Capacity > RetainedCapacity)
        {
            _line = new ArrayBufferWriter<byte>();
        }

        _line.ResetWrittenCount();
        long length = 0;
        bool any = false;
        while (true)
        {
            if (_start == _end)
            {
                if (_endOfStream || (_end = _stream.Read(_chunk)) == 0)
                {
                    _endOfStream = true;
                    _start = _end = 0;
                    return any ? Finish(length) : null;
                }

                _start = 0;
            }

            any = true;
            ReadOnlySpan<byte> available = _chunk.AsSpan(_start, _end - _start);
            int newline = available.IndexOf((byte)'\n');
            ReadOnlySpan<byte> piece = newline < 0 ? available : available[..newline];
            length += piece.Length;
            if (length <= _maxLineBytes)
            {
                _line.Write(piece);
            }

            _start += newline < 0 ? piece.Length : piece.Length + 1;
            if (newline >= 0)
            {
                return Finish(length);
            }
        }
    }

    private ReceivedLine Finish(long length) =>
        length > _maxLineBytes ? new ReceivedLine(null, length) : new ReceivedLine(_line.WrittenSpan.ToArray(), length);
}
