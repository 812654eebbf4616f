using BatchNormAxis.Conformance.Protocol;
using CsCheck;

namespace BatchNormAxis.Conformance.Tests.Protocol;

/// <summary>
/// Every harness reply is checked by type and range before use: whatever a harness prints, reading it gives an
/// answer or a one-line <see cref="ProtocolException"/>, never another exception.
/// </summary>
public class ProtocolMessagesTests
{
    private const string ValidStart = """{"protocol":1,"implementation":{"name":"mybn","version":"0.3.1","language":"Rust"},"capabilities":{"dtypes":["float32","float64"],"ranks":[2,3,4],"features":["training","inference","frozen","sequence","errors"]}}""";

    private static readonly (FixtureCase Fixture, byte[] Bytes) s_forward = FixtureLocation.Set.ReadCaseWithBytes("keep.r2.k0.train.f32");
    private static readonly (FixtureCase Fixture, byte[] Bytes) s_sequence = FixtureLocation.Set.ReadCaseWithBytes("sequence.r3.k1.momentum0.99.f32");

    [Theory]
    [InlineData("""{"protocol":1.5,"implementation":{"name":"x"},"capabilities":{"dtypes":[],"ranks":[],"features":[]}}""", "start reply: protocol is 1.5: expected an integer from 1 to 1")]
    [InlineData("""{"protocol":1e30,"implementation":{"name":"x"},"capabilities":{"dtypes":[],"ranks":[],"features":[]}}""", "start reply: protocol is 1e30: expected an integer from 1 to 1")]
    [InlineData("""{"protocol":1,"implementation":{"name":"x"},"capabilities":{"dtypes":[null],"ranks":[],"features":[]}}""", "start reply: capabilities.dtypes[0] is null: expected one of float16, bfloat16, float32, float64")]
    [InlineData("""{"protocol":1,"implementation":{"name":"x"},"capabilities":{"dtypes":[],"ranks":[null],"features":[]}}""", "start reply: capabilities.ranks[0] is null: expected an integer from 1 to 64")]
    [InlineData("""{"protocol":1,"implementation":{"name":"x"},"capabilities":{"dtypes":[],"ranks":[2000000],"features":[]}}""", "start reply: capabilities.ranks[0] is 2000000: expected an integer from 1 to 64")]
    [InlineData("""{"protocol":1,"implementation":{"name":null},"capabilities":{"dtypes":[],"ranks":[],"features":[]}}""", "start reply: implementation.name is null: expected a string")]
    [InlineData("""{"protocol":1,"protocol":1,"implementation":{"name":"x"},"capabilities":{"dtypes":[],"ranks":[],"features":[]}}""", "start reply repeats a key (each key may appear once per object)")]
    public void MalformedStartReply_IsAProtocolErrorNamingTheField(string line, string expected)
    {
        ProtocolException error = Assert.Throws<ProtocolException>(() => ProtocolMessages.ParseStartReply(line));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.EndsWith(line, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidStartReply_IsRead()
    {
        HarnessCapabilities capabilities = ProtocolMessages.ParseStartReply(ValidStart);

        Assert.Equal("mybn", capabilities.Name);
        Assert.Equal([2, 3, 4], capabilities.Ranks.Order());
        Assert.Equal(["float32", "float64"], capabilities.DTypes.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("\"seq\":200.0", "run reply: seq is 200.0: expected an integer from 1 to 2147483647")]
    [InlineData("\"seq\":1.5", "run reply: seq is 1.5: expected an integer from 1 to 2147483647")]
    [InlineData("\"seq\":1e20", "run reply: seq is 1e20: expected an integer from 1 to 2147483647")]
    [InlineData("\"seq\":null", "run reply: seq is null: expected an integer from 1 to 2147483647")]
    [InlineData("\"seq\":1,\"seq\":1", "run reply repeats a key")]
    public void MalformedSeq_IsAProtocolError(string seqMember, string expected)
    {
        string line = CorrectReply(s_forward.Fixture).Replace("\"seq\":1", seqMember, StringComparison.Ordinal);

        ProtocolException error = Assert.Throws<ProtocolException>(() => ProtocolMessages.ParseRunReply(line, 1, s_forward.Fixture));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullInAShape_IsAProtocolError()
    {
        string line = CorrectReply(s_forward.Fixture).Replace("\"shape\":[5,3]", "\"shape\":[null]", StringComparison.Ordinal);

        ProtocolException error = Assert.Throws<ProtocolException>(() => ProtocolMessages.ParseRunReply(line, 1, s_forward.Fixture));

        Assert.StartsWith("run reply: output 'y' shape[0] is null: expected an integer from 0 to 2147483647", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RepeatedOutput_IsAProtocolError()
    {
        string line = CorrectReply(s_forward.Fixture);
        int y = line.IndexOf("\"y\":", StringComparison.Ordinal);
        string tensor = line[y..(line.IndexOf('}', y) + 1)];
        string twice = line.Replace(tensor, tensor + "," + tensor, StringComparison.Ordinal);

        ProtocolException error = Assert.Throws<ProtocolException>(() => ProtocolMessages.ParseRunReply(twice, 1, s_forward.Fixture));

        Assert.StartsWith("run reply repeats a key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapeWhoseElementCountOverflows_IsAProtocolErrorNotAnAllocation()
    {
        string line = """{"seq":1,"outputs":{"y":{"dtype":"float32","shape":[65536,65536,65536,65536],"data":""}}}""";

        ProtocolException error = Assert.Throws<ProtocolException>(() => ProtocolMessages.ParseRunReply(line, 1, s_forward.Fixture));

        Assert.Equal("output 'y' has shape (65536, 65536, 65536, 65536) but 0 values", error.Message);
    }

    [Fact]
    public void AnswerToAnEarlierCase_IsSetAsideNotChargedToThisOne()
    {
        RunReply reply = ProtocolMessages.ParseRunReply(CorrectReply(s_forward.Fixture, seq: 4), 5, s_forward.Fixture);

        Assert.Equal(4, reply.Seq);
        Assert.Null(reply.Response);
    }

    [Fact]
    public void AnswerToACaseNotYetSent_IsAProtocolError()
    {
        ProtocolException error = Assert.Throws<ProtocolException>(() => ProtocolMessages.ParseRunReply(CorrectReply(s_forward.Fixture, seq: 6), 5, s_forward.Fixture));

        Assert.StartsWith("run reply has seq 6: expected 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeTraceback_IsKeptToTheBoundWithAMarker()
    {
        string traceback = new('t', 20_000_000);
        string line = "{\"seq\":1,\"errored\":{\"message\":\"boom\",\"traceback\":\"" + traceback + "\"}}";

        CaseResponse response = ProtocolMessages.ParseRunReply(line, 1, s_forward.Fixture).Response!;

        Assert.Equal(ResponseKind.Errored, response.Kind);
        Assert.InRange(response.Message!.Length, HarnessText.MaxMessageChars, HarnessText.MaxMessageChars + 100);
        Assert.EndsWith($"… [{20_000_000 - HarnessText.MaxMessageChars} more characters cut]", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoKindsOfAnswer_IsAProtocolError()
    {
        string line = """{"seq":1,"skipped":{},"errored":{}}""";

        ProtocolException error = Assert.Throws<ProtocolException>(() => ProtocolMessages.ParseRunReply(line, 1, s_forward.Fixture));

        Assert.StartsWith("run reply has both 'skipped' and 'errored': expected exactly one kind of answer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnyVariantOfAStartReply_IsReadOrRefusedInOneLine() =>
        HostileJson.Variants(ValidStart).Sample(line => AssertReadOrRefused(() => ProtocolMessages.ParseStartReply(line)), iter: 2000);

    [Fact]
    public void AnyVariantOfARunReply_IsReadOrRefusedInOneLine()
    {
        HostileJson.Variants(CorrectReply(s_forward.Fixture)).Sample(line => AssertReadOrRefused(() => ProtocolMessages.ParseRunReply(line, 1, s_forward.Fixture)), iter: 2000);
        HostileJson.Variants(CorrectReply(s_sequence.Fixture)).Sample(line => AssertReadOrRefused(() => ProtocolMessages.ParseRunReply(line, 1, s_sequence.Fixture)), iter: 500);
    }

    internal static string CorrectReply(FixtureCase fixture, int seq = 1) =>
        ProtocolMessages.FormatRunReply(seq, fixture, CaseExecutor.Execute(fixture, ScalarBatchNorm.Instance));

    private static void AssertReadOrRefused(Action read)
    {
        try
        {
            read();
        }
        catch (ProtocolException error)
        {
            Assert.DoesNotContain('\n', error.Message);
            Assert.DoesNotContain('\r', error.Message);
            Assert.InRange(error.Message.Length, 1, 1200);
        }
    }
}
