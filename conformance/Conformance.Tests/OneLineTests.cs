namespace BatchNormAxis.Conformance.Tests;

/// <summary>Text from a fixture file or a peer ends up on one bounded line in every message.</summary>
public class OneLineTests
{
    [Theory]
    [InlineData("a\nb", "a\\nb")]
    [InlineData("\u001b[2J", "\\u001B[2J")]
    [InlineData("nul\0", "nul\\u0000")]
    [InlineData("line\u2028separator", "line\\u2028separator")]
    [InlineData("c1\u0085", "c1\\u0085")]
    [InlineData("plain text", "plain text")]
    public void ControlCharacters_AreEscaped(string text, string expected) => Assert.Equal(expected, OneLine.Clean(text, 100));

    [Fact]
    public void LongText_IsCutWithItsLength() => Assert.Equal("abc… (10 characters)", OneLine.Clean("abcdefghij", 3));

    [Fact]
    public void Cut_NeverSplitsASurrogatePair() => Assert.Equal("ab… (4 characters)", OneLine.Clean("ab\U0001F600", 3));

    [Fact]
    public void HostileIdAndPath_GiveOneLineException()
    {
        var problem = new FixtureFormatException("cases/\n.json", new string('x', 5000) + "\n", "bad\r\nthing");

        Assert.DoesNotContain('\n', problem.Message);
        Assert.DoesNotContain('\r', problem.Message);
        Assert.True(problem.Message.Length < 1500, $"{problem.Message.Length} characters");
        Assert.EndsWith("… (5001 characters)): bad\\r\\nthing", problem.Message, StringComparison.Ordinal);
    }
}
