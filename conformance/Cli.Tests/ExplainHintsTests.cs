using System.Text.Json;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// The hints <c>bnaxis explain</c> gives for the two commonest axis mistakes (issue 14): leaving the batch axis out
/// of the shape, and passing np.mean's reduce-axes where BatchNormalization wants the kept axes.
/// </summary>
public class ExplainHintsTests
{
    [Theory]
    [InlineData("32,32,3", "3", "bnaxis: axis=3 is out of range for input shape (32, 32, 3): expected an axis in [-3, 2]; did you leave out the batch axis? For an input of shape (N, 32, 32, 3), axis 3 is the channels")]
    [InlineData("(5,)", "1", "bnaxis: axis=1 is out of range for input shape (5,): expected an axis in [-1, 0]; did you leave out the batch axis? For an input of shape (N, 5), axis 1 is the channels")]
    [InlineData("32,32,3", "1,3", "bnaxis: axis=[1, 3] has 3, which is out of range for input shape (32, 32, 3): expected an axis in [-3, 2]; did you leave out the batch axis? For an input of shape (N, 32, 32, 3), axis 3 is the channels")]
    public void AxisOnePastTheEnd_HintsAtTheBatchAxis(string shape, string axis, string message)
    {
        CliResult result = CliRun.Invoke("explain", "--shape", shape, "--axis", axis);

        CliAssert.UsageError(result);
        Assert.Equal(message + "\n", result.Error);
    }

    [Theory]
    [InlineData("32,32,3", "-4")] // -4 would be the batch axis of (N, 32, 32, 3): not a channel axis to suggest
    [InlineData("32,32,3", "4")] // two past the end: a batch axis put back does not explain it
    [InlineData("32,32,3", "3,7")] // one entry fits with the batch axis, the other still does not
    [InlineData("32,32,3", "3,-1")] // with the batch axis put back, -1 is axis 3 too: the hint would suggest a duplicate
    [InlineData("32,32,3", "3,3")]
    public void AxisOutOfRangeForOtherReasons_HasNoBatchAxisHint(string shape, string axis)
    {
        CliResult result = CliRun.Invoke("explain", "--shape", shape, "--axis", axis);

        CliAssert.UsageError(result);
        Assert.DoesNotContain("batch axis", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8,32,32,3", "0,1,2", "hint: did you mean axis=3? BatchNormalization's axis lists the axes it KEEPS; (0, 1, 2) looks like the axes np.mean would reduce")]
    [InlineData("2,3,4,5", "[0, 2]", "hint: did you mean axis=[1, 3]? BatchNormalization's axis lists the axes it KEEPS; (0, 2) looks like the axes np.mean would reduce")]
    [InlineData("2,3", "[0]", "hint: did you mean axis=1? BatchNormalization's axis lists the axes it KEEPS; (0,) looks like the axes np.mean would reduce")]
    [InlineData("8,32,32,3", "-2,0,-3", "hint: did you mean axis=3? BatchNormalization's axis lists the axes it KEEPS; (0, 1, 2) looks like the axes np.mean would reduce")]
    public void ListKeepingTheBatchAxis_HintsAtTheReduceAxesMistakeFirst(string shape, string axis, string hint)
    {
        CliResult result = CliRun.Invoke("explain", "--shape", shape, "--axis", axis);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);
        string[] lines = result.Output.Split('\n');
        Assert.Equal(hint, lines[0]);
        Assert.Equal("", lines[1]);
        Assert.StartsWith("BatchNormalization(axis=", lines[2], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8,32,32,3", "1,2,3")] // the tf.keras list spelling of per-position statistics: no batch axis kept
    [InlineData("8,32,32,3", "0")] // an integer is not a reduce-axes list
    [InlineData("2,3", "0,1")] // keeps every axis: nothing left to suggest
    [InlineData("8,32,32,3", "-1")]
    public void OtherAxes_HaveNoHint(string shape, string axis)
    {
        CliResult result = CliRun.Invoke("explain", "--shape", shape, "--axis", axis);

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("hint:", result.Output, StringComparison.Ordinal);
        Assert.StartsWith("BatchNormalization(axis=", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_CarriesNoHint()
    {
        CliResult result = CliRun.Invoke("explain", "--shape", "8,32,32,3", "--axis", "0,1,2", "--json");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
    }

    [Theory]
    [InlineData("--axis", "one", "bnaxis: --axis 'one' is not a whole number: expected an integer such as -1, or a list such as 1,2,3")]
    [InlineData("--axis", "foo", "bnaxis: --axis 'foo' is not a whole number: expected an integer such as -1, or a list such as 1,2,3")]
    [InlineData("--axis", "[x]", "bnaxis: --axis '[x]' is not a whole number: expected an integer such as -1, or a list such as 1,2,3")]
    [InlineData("--axis", "4294967296", "bnaxis: --axis '4294967296' does not fit a 32-bit integer: expected an integer such as -1, or a list such as 1,2,3")]
    [InlineData("--shape", "abc", "bnaxis: --shape 'abc' is not a whole number: expected comma-separated dimensions such as 8,32,32,3")]
    [InlineData("--shape", "2.5", "bnaxis: --shape '2.5' is not a whole number: expected comma-separated dimensions such as 8,32,32,3")]
    public void SingleBadValue_IsNamedOnce(string option, string value, string message)
    {
        CliResult result = ExplainWith(option, value);

        CliAssert.UsageError(result);
        Assert.Equal(message + "\n", result.Error);
        Assert.Equal(1, Occurrences(result.Error, value));
    }

    [Theory]
    [InlineData("--axis", "1,foo", "bnaxis: --axis '1,foo' has 'foo', which is not a whole number: expected an integer such as -1, or a list such as 1,2,3")]
    [InlineData("--shape", "2,x,4", "bnaxis: --shape '2,x,4' has 'x', which is not a whole number: expected comma-separated dimensions such as 8,32,32,3")]
    [InlineData("--shape", "7,,3", "bnaxis: --shape '7,,3' has an empty entry: expected comma-separated dimensions such as 8,32,32,3")]
    public void BadEntryOfAList_QuotesTheListOnceAndTheEntryApart(string option, string value, string message)
    {
        CliResult result = ExplainWith(option, value);

        CliAssert.UsageError(result);
        Assert.Equal(message + "\n", result.Error);
        Assert.Equal(1, Occurrences(result.Error, $"'{value}'"));
    }

    /// <summary>Runs explain with <paramref name="value"/> as its --axis (on a valid shape) or as its --shape.</summary>
    private static CliResult ExplainWith(string option, string value) =>
        CliRun.Invoke(option == "--axis" ? ["explain", "--shape", "2,3", "--axis", value] : ["explain", "--shape", value]);

    private static int Occurrences(string text, string value)
    {
        int count = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
