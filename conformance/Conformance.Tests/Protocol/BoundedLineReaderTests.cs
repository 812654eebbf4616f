using System.Text;
using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Conformance.Tests.Protocol;

/// <summary>Lines are read as bytes with a bound: an over-long line costs the bound, not its length.</summary>
public class BoundedLineReaderTests
{
    [Fact]
    public void Lines_AreSplitAtNewlinesAcrossReads()
    {
        string[] lines = ["", "a", new('b', 65_535), new('c', 65_536), new('d', 200_000), "{\"seq\":1}"];
        var reader = new BoundedLineReader(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\nlast without newline")), 1 << 20);

        foreach (string expected in lines.Append("last without newline"))
        {
            ReceivedLine line = reader.ReadLine()!.Value;
            Assert.Equal(expected, Encoding.UTF8.GetString(line.Bytes!));
            Assert.Equal(expected.Length, line.Length);
        }

        Assert.Null(reader.ReadLine());
        Assert.Null(reader.ReadLine());
    }

    [Fact]
    public void LineOf200MB_IsReportedTooLongWithoutBeingHeld()
    {
        const long HugeLength = 200_000_000;
        var reader = new BoundedLineReader(new HugeLineStream(HugeLength, "{\"seq\":2}\n"), 1 << 20);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        ReceivedLine huge = reader.ReadLine()!.Value;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.True(huge.TooLong);
        Assert.Equal(HugeLength, huge.Length);
        Assert.True(allocated < 8_000_000, $"reading a 200 MB line allocated {allocated} bytes");
        Assert.Equal("{\"seq\":2}", Encoding.UTF8.GetString(reader.ReadLine()!.Value.Bytes!));
    }

    [Fact]
    public void LineOfExactlyTheBound_IsKept()
    {
        var reader = new BoundedLineReader(new MemoryStream(Encoding.ASCII.GetBytes(new string('x', 100) + "\n" + new string('y', 101) + "\n")), 100);

        Assert.Equal(100, reader.ReadLine()!.Value.Bytes!.Length);
        Assert.True(reader.ReadLine()!.Value.TooLong);
    }

    /// <summary>A stream of <c>length</c> bytes of 'x' then a tail, generated as read (never held whole).</summary>
    private sealed class HugeLineStream(long length, string tail) : Stream
    {
        private readonly byte[] _tail = Encoding.ASCII.GetBytes("\n" + tail);
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            long total = length + _tail.Length;
            int n = (int)Math.Min(buffer.Length, total - _position);
            int filler = (int)Math.Clamp(length - _position, 0, n);
            buffer[..filler].Fill((byte)'x');
            for (int i = filler; i < n; i++)
            {
                buffer[i] = _tail[_position + i - length];
            }

            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
