using System.Diagnostics;
using System.Text.Json;

namespace BatchNormAxis.Cli.Tests;

public class ExplainCommandTests
{
    [Fact]
    public void Json_HasTheDocumentedKeysInOrder()
    {
        CliResult result = CliRun.Invoke("explain", "--shape", "8,32,32,3", "--axis", "1,2,3", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal(
            ["shape", "axis", "kept_axes", "reduction_axes", "param_shape", "broadcast_shape", "reduction_count", "weight_shape", "channel_first_permutation", "channel_first_shape"],
            json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("""{"shape":[8,32,32,3],"axis":[1,2,3],"kept_axes":[1,2,3],"reduction_axes":[0],"param_shape":[32,32,3],"broadcast_shape":[1,32,32,3],"reduction_count":8,"weight_shape":[1,32,32,3],"channel_first_permutation":[0,1,2,3],"channel_first_shape":[8,3072]}""", result.Output.TrimEnd('\n'));
    }

    [Theory]
    [InlineData("-1", "-1", "[3]", "[0,1,2]", "[5]", "[1,1,1,5]", 24, "[5]", "[0,3,1,2]", "[2,5,12]")]
    [InlineData("-1,-2", "[-1,-2]", "[2,3]", "[0,1]", "[4,5]", "[1,1,4,5]", 6, "[1,1,4,5]", "[0,2,3,1]", "[2,20,3]")]
    [InlineData("[1]", "[1]", "[1]", "[0,2,3]", "[3]", "[1,3,1,1]", 40, "[3]", "[0,1,2,3]", "[2,3,20]")]
    [InlineData("1", "1", "[1]", "[0,2,3]", "[3]", "[1,3,1,1]", 40, "[3]", "[0,1,2,3]", "[2,3,20]")]
    [InlineData("[3, 1]", "[3,1]", "[1,3]", "[0,2]", "[3,5]", "[1,3,1,5]", 8, "[1,3,1,5]", "[0,1,3,2]", "[2,15,4]")]
    public void Json_NegativeAndListSpellingsAsUsersTypeThem(
        string axis, string axisJson, string kept, string reduced, string parameterShape, string broadcastShape, int reductionCount,
        string weightShape, string permutation, string channelFirstShape)
    {
        CliResult result = CliRun.Invoke("explain", "--shape", "2,3,4,5", "--axis", axis, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            $$"""{"shape":[2,3,4,5],"axis":{{axisJson}},"kept_axes":{{kept}},"reduction_axes":{{reduced}},"param_shape":{{parameterShape}},"broadcast_shape":{{broadcastShape}},"reduction_count":{{reductionCount}},"weight_shape":{{weightShape}},"channel_first_permutation":{{permutation}},"channel_first_shape":{{channelFirstShape}}}""",
            result.Output.TrimEnd('\n'));
    }

    [Fact]
    public void Json_EqualsSignFormAndPythonTupleShape()
    {
        CliResult result = CliRun.Invoke("explain", "--shape=(2, 3)", "--axis=-2", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("""{"shape":[2,3],"axis":-2,"kept_axes":[0],"reduction_axes":[1],"param_shape":[2],"broadcast_shape":[2,1],"reduction_count":3,"weight_shape":[2],"channel_first_permutation":[1,0],"channel_first_shape":[3,2]}""", result.Output.TrimEnd('\n'));
    }

    [Fact]
    public void AxisDefaultsToKerasMinusOne()
    {
        CliResult result = CliRun.Invoke("explain", "--shape", "(5,)", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("""{"shape":[5],"axis":-1,"kept_axes":[0],"reduction_axes":[],"param_shape":[5],"broadcast_shape":[5],"reduction_count":1,"weight_shape":[5],"channel_first_permutation":[0],"channel_first_shape":[1,5]}""", result.Output.TrimEnd('\n'));
    }

    [Fact]
    public void Text_ShowsAxesShapesAndTheReduceSpelling()
    {
        CliResult result = CliRun.Invoke("explain", "--shape", "8,32,32,3", "--axis", "1,2,3");

        Assert.Equal(0, result.ExitCode);
        string[] lines = result.Output.Split('\n');
        Assert.Equal("BatchNormalization(axis=[1, 2, 3]) on input shape (8, 32, 32, 3)", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("  kept axes        [1, 2, 3] ", StringComparison.Ordinal) && l.Contains("3072 channels", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  reduction axes   [0] ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  reduction count  8 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  parameter shape  (32, 32, 3) ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  broadcast shape  (1, 32, 32, 3) ", StringComparison.Ordinal));
        Assert.Contains("  np.mean(x, axis=(0,), keepdims=True)", lines);
        Assert.Contains("  tf.nn.moments(x, axes=[0], keepdims=True)", lines);
        Assert.Contains(lines, l => l.Contains("tf.keras 2 only", StringComparison.Ordinal));
        Assert.Contains("  x.reshape(8, 3072)", lines);
    }

    [Fact]
    public void Text_ShowsThePermuteAndReshapeForChannelDimOneApis()
    {
        CliResult result = CliRun.Invoke("explain", "--shape", "8,32,32,3", "--axis", "-1");

        string[] lines = result.Output.Split('\n');
        Assert.Contains("  x.permute(0, 3, 1, 2).reshape(8, 3, 1024)", lines);
        Assert.Contains("  y.reshape(8, 3, 32, 32).permute(0, 2, 3, 1)   # back to the input layout", lines);
    }

    [Theory]
    [InlineData("2,3,4,5", "-5", "bnaxis: axis=-5 is out of range for input shape (2, 3, 4, 5): expected an axis in [-4, 3]")]
    [InlineData("2,3,4,5", "1,-3", "bnaxis: axis=[1, -3] names axis 1 twice for input shape (2, 3, 4, 5) (resolves to [1, 1]): expected distinct axes")]
    [InlineData("2,3", "[]", "bnaxis: axis=[] keeps no axis of input shape (2, 3) (resolves to []): expected at least one axis")]
    [InlineData("()", "-1", "bnaxis: axis=-1 cannot apply to input shape (): rank 0 has no axis to keep; expected an input of rank 1 or more")]
    [InlineData("0,3", "-1", "bnaxis: input shape (0, 3) has a zero-sized dimension at axis 0 (axis=-1 resolves to [1]): expected every dimension to be 1 or more; empty tensors are rejected")]
    [InlineData("2,x", "-1", "bnaxis: --shape '2,x' has 'x', which is not a whole number: expected comma-separated dimensions such as 8,32,32,3")]
    [InlineData("2,,3", "-1", "bnaxis: --shape '2,,3' has an empty entry: expected comma-separated dimensions such as 8,32,32,3")]
    [InlineData("99999999999", "-1", "bnaxis: --shape '99999999999' does not fit a 32-bit integer: expected comma-separated dimensions such as 8,32,32,3")]
    [InlineData("2,3", "one", "bnaxis: --axis 'one' is not a whole number: expected an integer such as -1, or a list such as 1,2,3")]
    [InlineData("2,3", "1.5", "bnaxis: --axis '1.5' is not a whole number: expected an integer such as -1, or a list such as 1,2,3")]
    public void InvalidInput_PrintsOneLineAndExitsWithTwo(string shape, string axis, string message)
    {
        CliResult result = CliRun.Invoke("explain", "--shape", shape, "--axis", axis, "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal(message + Environment.NewLine, result.Error);
    }

    [Theory]
    [InlineData(new[] { "explain", "--axis", "1" }, "bnaxis: Option '--shape' is required. (see 'bnaxis explain --help')")]
    [InlineData(new[] { "explain", "--shape", "3", "--bogus" }, "bnaxis: Unrecognized command or argument '--bogus'. (see 'bnaxis explain --help')")]
    [InlineData(new[] { "frobnicate" }, "bnaxis: Unrecognized command or argument 'frobnicate'. (see 'bnaxis --help')")]
    public void UsageErrors_PrintOneLineAndExitWithTwo(string[] args, string message)
    {
        CliResult result = CliRun.Invoke(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal(message + Environment.NewLine, result.Error);
    }

    [Fact]
    public void Help_DocumentsTheExitCodes()
    {
        CliResult result = CliRun.Invoke("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Exit codes: 0 success, 1 failures or problems found (run, fixtures verify, diagnose), 2 invalid command line or input, 3 harness unusable (run), 70 internal error.", result.Output, StringComparison.Ordinal);
        Assert.Contains("explain", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Shape_OfRankTwoMillionInAResponseFile_IsRefusedQuicklyInOneLine()
    {
        // The example took 117 s before the rank limit.
        using var arguments = new ResponseFile("--shape", CliAssert.OnesShape(2_000_000));
        var clock = Stopwatch.StartNew();

        CliResult result = CliRun.Invoke("explain", arguments.Token, "--json");

        CliAssert.UsageError(result);
        Assert.Equal("bnaxis: input shape has rank 2000000 (axis=-1): expected at most 64 dimensions (AxisResolution.MaxRank, NumPy's limit)\n", result.Error);
        Assert.True(clock.Elapsed < CliAssert.Quickly, $"took {clock.Elapsed}");
    }

    [Fact]
    public void Shape_OfRankTwoMillionAsOneArgument_IsRefusedQuickly()
    {
        var clock = Stopwatch.StartNew();

        CliResult result = CliRun.Invoke("explain", "--shape", CliAssert.OnesShape(2_000_000), "--axis", "0,-1");

        CliAssert.UsageError(result);
        Assert.Equal("bnaxis: input shape has rank 2000000 (axis=[0, -1]): expected at most 64 dimensions (AxisResolution.MaxRank, NumPy's limit)\n", result.Error);
        Assert.True(clock.Elapsed < CliAssert.Quickly, $"took {clock.Elapsed}");
    }

    [Fact]
    public void Shape_OfRank64_IsExplained_Rank65_IsRefused()
    {
        CliResult rank64 = CliRun.Invoke("explain", "--shape", CliAssert.OnesShape(64), "--axis", "0,-1", "--json");
        CliResult rank65 = CliRun.Invoke("explain", "--shape", CliAssert.OnesShape(65));

        Assert.Equal(0, rank64.ExitCode);
        using JsonDocument json = JsonDocument.Parse(rank64.Output);
        Assert.Equal([0, 63], json.RootElement.GetProperty("kept_axes").EnumerateArray().Select(e => e.GetInt32()));
        CliAssert.UsageError(rank65);
        Assert.Equal("bnaxis: input shape has rank 65 (axis=-1): expected at most 64 dimensions (AxisResolution.MaxRank, NumPy's limit)\n", rank65.Error);
    }

    [Fact]
    public void Axis_OfMillionsOfEntries_IsADuplicateInOneShortLine()
    {
        using var arguments = new ResponseFile("--axis", string.Join(',', Enumerable.Range(0, 2_000_000).Select(i => i % 4)));
        var clock = Stopwatch.StartNew();

        CliResult result = CliRun.Invoke("explain", "--shape", "2,3,4,5", arguments.Token);

        CliAssert.UsageError(result);
        Assert.StartsWith("bnaxis: axis=[0, 1, 2, 3, 0, 1, 2, 3, ... 2000000 in all] names axis 0 twice", result.Error, StringComparison.Ordinal);
        Assert.True(result.Error.Length < 300, result.Error);
        Assert.True(clock.Elapsed < CliAssert.Quickly, $"took {clock.Elapsed}");
    }

    [Fact]
    public void Shape_OfAMillionCharacters_IsEchoedShort()
    {
        string shape = "1," + new string('x', 1_000_000);

        CliResult result = CliRun.Invoke("explain", "--shape", shape);

        CliAssert.UsageError(result);
        Assert.StartsWith("bnaxis: --shape '1,xxxx", result.Error, StringComparison.Ordinal);
        Assert.Contains("xxx... (1000002 characters)' has 'xxx", result.Error, StringComparison.Ordinal);
        Assert.Contains("xxx... (1000000 characters)', which is not a whole number", result.Error, StringComparison.Ordinal);
        Assert.True(result.Error.Length < 400, $"{result.Error.Length} characters");
    }

    [Theory]
    [InlineData("2\n3", "bnaxis: --shape '2\\n3' is not a whole number: expected comma-separated dimensions such as 8,32,32,3")]
    [InlineData("2,\u001b[31m", "bnaxis: --shape '2,\\u001B[31m' has '\\u001B[31m', which is not a whole number: expected comma-separated dimensions such as 8,32,32,3")]
    [InlineData("\u0007\u20283", "bnaxis: --shape '\\u0007\\u20283' is not a whole number: expected comma-separated dimensions such as 8,32,32,3")]
    public void Shape_WithControlCharacters_IsEchoedEscapedOnOneLine(string shape, string message)
    {
        CliResult result = CliRun.Invoke("explain", "--shape", shape);

        CliAssert.UsageError(result);
        Assert.Equal(message + "\n", result.Error);
    }
}
