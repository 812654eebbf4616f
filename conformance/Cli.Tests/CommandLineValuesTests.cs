namespace BatchNormAxis.Cli.Tests;

/// <summary>How messages quote what the user typed: one line, short, no terminal escape sequences.</summary>
public class CommandLineValuesTests
{
    [Theory]
    [InlineData("8,32,32,3", "8,32,32,3")]
    [InlineData("a\nb\rc\td", "a\\nb\\rc\\td")]
    [InlineData("\u001b[2J\u0000\u007f", "\\u001B[2J\\u0000\\u007F")]
    [InlineData("x\u2028y\u2029z\u0085", "x\\u2028y\\u2029z\\u0085")]
    [InlineData("é𝔸∞", "é𝔸∞")]
    public void Escape_TurnsControlCharactersAndLineSeparatorsIntoText(string text, string escaped)
    {
        Assert.Equal(escaped, CommandLineValues.Escape(text));
    }

    [Fact]
    public void Echo_CutsLongValuesAndSaysHowLongTheyWere()
    {
        string echoed = CommandLineValues.Echo(new string('7', 5000));

        Assert.Equal(new string('7', 100) + "... (5000 characters)", echoed);
    }

    [Fact]
    public void Echo_KeepsAValueOfExactlyTheLimit()
    {
        string value = new('7', 100);

        Assert.Equal(value, CommandLineValues.Echo(value));
    }

    [Fact]
    public void Echo_CutsBeforeASurrogatePairRatherThanThroughIt()
    {
        // 99 characters then 𝔸 (two UTF-16 units): the cut at 100 would leave half of it.
        string value = new string('a', 99) + "𝔸" + "tail";

        string echoed = CommandLineValues.Echo(value);

        Assert.Equal(new string('a', 99) + "... (105 characters)", echoed);
    }
}
