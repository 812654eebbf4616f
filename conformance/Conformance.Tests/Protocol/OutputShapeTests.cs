using System.Text;
using System.Text.Json.Nodes;
using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Conformance.Tests.Protocol;

/// <summary>
/// Output shapes are checked exactly (issue 13: only element counts were). A shape that differs from the expected
/// one but holds the right number of values fails the case with one line naming the output, the shape given and the
/// one expected; a shape that is not a shape at all (<c>[-1, -15]</c>) is a protocol error.
/// </summary>
public class OutputShapeTests
{
    // keep.r2.k0-1.train.f32: x of shape [5, 3] keeping both axes, so y and the moving statistics are all [5, 3].
    private const string CaseId = "keep.r2.k0-1.train.f32";

    [Theory]
    [InlineData("moving_mean", "[15]", "output 'moving_mean' has shape (15,): expected (5, 3)")]
    [InlineData("moving_variance", "[1,5,3]", "output 'moving_variance' has shape (1, 5, 3): expected (5, 3)")]
    [InlineData("y", "[3,5]", "output 'y' has shape (3, 5): expected (5, 3)")]
    public void RightValuesInAnotherShape_FailTheCaseNamingBothShapes(string output, string shape, string expected)
    {
        (FixtureCase fixture, string reply) = CorrectReply();
        JsonObject changed = JsonNode.Parse(reply)!.AsObject();
        changed["outputs"]![output]!["shape"] = JsonNode.Parse(shape);

        CaseResult result = CaseGrader.Grade(fixture, ProtocolMessages.ParseRunReply(changed.ToJsonString(), 4, fixture).Response!);

        Assert.Equal(CaseVerdict.Failed, result.Verdict);
        Assert.Equal(expected, result.Message);
    }

    [Fact]
    public void TheCorrectReply_Passes()
    {
        (FixtureCase fixture, string reply) = CorrectReply();

        Assert.Equal(CaseVerdict.Passed, CaseGrader.Grade(fixture, ProtocolMessages.ParseRunReply(reply, 4, fixture).Response!).Verdict);
    }

    [Fact]
    public void NegativeDimensions_AreAProtocolError()
    {
        (FixtureCase fixture, string reply) = CorrectReply();
        JsonObject changed = JsonNode.Parse(reply)!.AsObject();
        changed["outputs"]!["y"]!["shape"] = JsonNode.Parse("[-1,-15]");

        ProtocolException error = Assert.Throws<ProtocolException>(() => ProtocolMessages.ParseRunReply(changed.ToJsonString(), 4, fixture));

        Assert.StartsWith("run reply: output 'y' shape[0] is -1: expected an integer from 0 to 2147483647", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InProcessAnswers_WithoutShapes_AreGradedOnTheirValues()
    {
        FixtureCase fixture = FixtureLocation.Set.ReadCase(CaseId);

        CaseResponse response = CaseExecutor.Execute(fixture, ScalarBatchNorm.Instance);

        Assert.Null(response.Shapes);
        Assert.Equal(CaseVerdict.Passed, CaseGrader.Grade(fixture, response).Verdict);
    }

    private static (FixtureCase Fixture, string Reply) CorrectReply()
    {
        (FixtureCase fixture, byte[] bytes) = FixtureLocation.Set.ReadCaseWithBytes(CaseId);
        byte[] line = Encoding.UTF8.GetBytes(ProtocolMessages.Run(4, bytes));
        return (fixture, new ProtocolServer(ScalarBatchNorm.Instance).Answer(new ReceivedLine(line, line.Length))!);
    }
}
