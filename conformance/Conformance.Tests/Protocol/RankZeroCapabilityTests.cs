using System.Collections.Immutable;
using BatchNormAxis.Conformance.Protocol;

namespace BatchNormAxis.Conformance.Tests.Protocol;

/// <summary>
/// Rank 0 and <c>ranks</c> (docs/protocol.md, "Ranks and rank 0"; issue 13 found it unsaid): <c>ranks</c> lists ranks
/// from 1, so 0 cannot be declared; an invalid case, the rank-0 one included, is sent to a harness that declares
/// <c>errors</c> whatever ranks it declares, and never to one that does not.
/// </summary>
public class RankZeroCapabilityTests
{
    private static HarnessCapabilities Declaring(ImmutableHashSet<int> ranks, params string[] features) =>
        new("h", "", "", ["float32"], ranks, [.. features]);

    private static IEnumerable<ManifestEntry> Invalid => FixtureLocation.Set.Manifest.Cases.Where(c => c.Kind == FixtureKind.Invalid);

    [Fact]
    public void RankZeroInvalidCase_IsSentWithErrorsWhateverTheRanks()
    {
        ManifestEntry rankZero = Assert.Single(Invalid, c => c.Shape.IsEmpty);

        Assert.Null(Declaring([2], "errors").MissingFor(rankZero));
        Assert.Equal("errors", Declaring([1, 2, 3, 4, 5, 6], "training", "inference").MissingFor(rankZero));
    }

    [Fact]
    public void EveryInvalidCase_NeedsErrorsAndNoRank()
    {
        Assert.NotEmpty(Invalid);
        foreach (ManifestEntry entry in Invalid)
        {
            Assert.Contains("errors", entry.Capabilities);
            Assert.Equal("errors", Declaring([1, 2, 3, 4, 5, 6], [.. HarnessCapabilities.AllFeatures.Remove("errors")]).MissingFor(entry));
            Assert.Null(Declaring([1], [.. HarnessCapabilities.AllFeatures]).MissingFor(entry));
        }
    }

    [Fact]
    public void ValidCase_IsSentOnlyAtADeclaredRank()
    {
        ManifestEntry entry = FixtureLocation.Set.Manifest.Cases.First(c => c.Kind == FixtureKind.Forward && c.DType == FixtureDType.Float32 && c.Shape.Length == 4);

        Assert.Equal("rank 4", Declaring([2, 3], [.. HarnessCapabilities.AllFeatures]).MissingFor(entry));
        Assert.Null(Declaring([4], [.. HarnessCapabilities.AllFeatures]).MissingFor(entry));
    }

    [Fact]
    public void RankZeroInRanks_MakesTheStartReplyUnusable()
    {
        const string Reply = """{"protocol":1,"implementation":{"name":"h"},"capabilities":{"dtypes":["float32"],"ranks":[0,2],"features":["errors"]}}""";

        ProtocolException error = Assert.Throws<ProtocolException>(() => ProtocolMessages.ParseStartReply(Reply));

        Assert.StartsWith("start reply: capabilities.ranks[0] is 0: expected an integer from 1 to 64", error.Message, StringComparison.Ordinal);
    }
}
