using System.Numerics;
using System.Text;
using System.Text.Json;
using BatchNormAxis.Conformance.Protocol;
using CsCheck;

namespace BatchNormAxis.Conformance.Tests.Protocol;

/// <summary>
/// <c>bnaxis serve</c>'s protocol loop answers every line, a bad one with an error reply (or an errored run reply
/// when the seq was usable), and goes on serving.
/// </summary>
public class ProtocolServerTests
{
    private static readonly string s_start = ProtocolMessages.Start();
    private static readonly string s_run = ProtocolMessages.Run(1, FixtureLocation.Set.ReadCaseWithBytes("keep.r2.k0.train.f32").Bytes);

    [Theory]
    [InlineData("""{"cmd":1}""", "message: cmd is 1: expected a string")]
    [InlineData("""{"cmd":{}}""", "message: cmd is {}: expected a string")]
    [InlineData("""{"cmd":"dance"}""", "message: cmd is \"dance\": expected start, run or stop")]
    [InlineData("""{"cmd":"run","seq":"x","case":{}}""", "message: seq is \"x\": expected an integer from 1 to 2147483647")]
    [InlineData("""{"cmd":"run","seq":1.5,"case":{}}""", "message: seq is 1.5: expected an integer from 1 to 2147483647")]
    [InlineData("""{"cmd":"run","seq":1e20,"case":{}}""", "message: seq is 1e20: expected an integer from 1 to 2147483647")]
    [InlineData("""{"cmd":"run","cmd":"run","seq":1,"case":{}}""", "message repeats a key (each key may appear once per object)")]
    [InlineData("""{"cmd":"start","protocol":2}""", "message: protocol is 2: expected an integer from 1 to 1")]
    [InlineData("""not json""", "message is not valid JSON: not json")]
    [InlineData("""[1,2]""", "message is not a JSON object: [1,2]")]
    [InlineData("", "message is not valid JSON: ")]
    public void BadLine_GetsAnErrorReplyAndServingGoesOn(string line, string expected)
    {
        string[] replies = Serve(line, s_start);

        Assert.Equal(2, replies.Length);
        using JsonDocument error = JsonDocument.Parse(replies[0]);
        Assert.StartsWith(expected, error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("{\"protocol\":1,", replies[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"shape\":[5,3]", "\"shape\":[65536,65536]", "run message: case.shape [65536,65536] has more elements than the line has bytes")]
    [InlineData("\"dtype\":\"float32\",\"shape\":[5,3]", "\"dtype\":\"bool\",\"shape\":[5,3]", "run message: case dtype is \"bool\": expected one of float16, bfloat16, float32, float64")]
    public void CaseThatCannotBeRun_GetsAnErroredReplyAndServingGoesOn(string from, string to, string expected)
    {
        string line = s_run.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(s_run, line);

        string[] replies = Serve(line, s_run);

        Assert.Equal(2, replies.Length);
        Assert.StartsWith("{\"seq\":1,\"errored\":{\"message\":\"" + expected.Replace("\"", "\\\"", StringComparison.Ordinal), replies[0], StringComparison.Ordinal);
        Assert.StartsWith("{\"seq\":1,\"outputs\":", replies[1], StringComparison.Ordinal);
    }

    [Fact]
    public void RankOfTwoMillion_IsRefusedWithoutAStackOverflow()
    {
        string ones = string.Join(',', Enumerable.Repeat("1", 2_000_000));
        string line = s_run.Replace("\"shape\":[5,3]", $"\"shape\":[{ones}]", StringComparison.Ordinal);

        string[] replies = Serve(line);

        Assert.StartsWith("{\"seq\":1,\"errored\":{\"message\":\"run message: case.shape has 2000000 dimensions: expected at most 64", replies.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void ExceptionInsideOneCase_IsThatCasesErroredReply()
    {
        using var output = new StringWriter();

        new ProtocolServer(new ThrowingImplementation()).Serve(Input(s_run, s_start), output);

        string[] replies = output.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal("{\"seq\":1,\"errored\":{\"message\":\"bnaxis serve could not run the case: InvalidOperationException: broken on purpose\"}}", replies[0]);
        Assert.StartsWith("{\"protocol\":1,", replies[1], StringComparison.Ordinal);
    }

    [Fact]
    public void OverlongLine_GetsAnErrorReplyWithoutBeingKept()
    {
        using var output = new StringWriter();

        new ProtocolServer(ScalarBatchNorm.Instance, maxLineBytes: 1000).Serve(Input(new string('x', 5000), s_start), output);

        string[] replies = output.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal("{\"error\":{\"message\":\"a line of 5000 bytes, longer than the limit of 1000 bytes\"}}", replies[0]);
        Assert.StartsWith("{\"protocol\":1,", replies[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Stop_EndsServingUnanswered()
    {
        Assert.Single(Serve(s_start, ProtocolMessages.Stop(), s_start));
    }

    [Fact]
    public void AnyVariantOfAMessage_GetsOneReplyAndServingGoesOn()
    {
        Gen<string> lines = Gen.OneOf(HostileJson.Variants(s_start), HostileJson.Variants(s_run), HostileJson.Variants(ProtocolMessages.Stop()));
        lines.Array[1, 8].Sample(batch =>
        {
            string[] answered = [.. batch.TakeWhile(line => !IsStop(line))];
            string[] replies = Serve([.. answered, s_start]);

            Assert.Equal(answered.Length + 1, replies.Length);
            Assert.All(replies, reply => JsonDocument.Parse(reply).Dispose());
            Assert.StartsWith("{\"protocol\":1,", replies[^1], StringComparison.Ordinal);
        }, iter: 150);
    }

    private static bool IsStop(string line)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(line, new JsonDocumentOptions { AllowDuplicateProperties = false });
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("cmd", out JsonElement cmd)
                && cmd.ValueKind == JsonValueKind.String
                && cmd.GetString() == "stop";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string[] Serve(params string[] lines)
    {
        using var output = new StringWriter();
        new ProtocolServer(ScalarBatchNorm.Instance).Serve(Input(lines), output);
        string text = output.ToString();
        return text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n');
    }

    private static MemoryStream Input(params string[] lines) => new(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));

    private sealed class ThrowingImplementation : IBatchNormalization
    {
        public string Name => "throwing";

        public void Forward<T>(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<T> x, BatchNormWeights<T> weights, ForwardDestinations<T> destinations, ReadOnlySpan<bool> mask = default)
            where T : unmanaged, IFloatingPointIeee754<T> => throw new InvalidOperationException("broken on purpose");

        public void Backward<T>(AxisResolution layout, BatchNormOptions options, bool training, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, BatchNormWeights<T> weights, BackwardDestinations<T> destinations)
            where T : unmanaged, IFloatingPointIeee754<T> => throw new InvalidOperationException("broken on purpose");
    }
}
