using System.Diagnostics;
using System.Text.Json;

namespace BatchNormAxis.Cli.Tests;

public class BenchCommandTests
{
    [Theory]
    [InlineData("0", "--threads 0 is not usable: expected 1 to 1024")]
    [InlineData("-3", "--threads -3 is not usable: expected 1 to 1024")]
    public void Threads_BelowOne_IsAUsageError(string threads, string message)
    {
        CliResult result = CliRun.Invoke("bench", "--shape", "8,16", "--threads", threads);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Threads_ForTheScalarReference_IsAUsageError()
    {
        CliResult result = CliRun.Invoke("bench", "--impl", "scalar", "--shape", "8,16", "--threads", "2");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--threads 2 is not available for --impl scalar", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_ReportsTheThreadCountAndTheMeasurements()
    {
        CliResult result = CliRun.Invoke("bench", "--shape", "64,1024", "--axis", "-1", "--mode", "backward", "--threads", "2", "--repeat", "3", "--json");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Equal(2, root.GetProperty("threads").GetInt32());
        Assert.Equal("backward", root.GetProperty("mode").GetString());
        Assert.True(root.GetProperty("median_ms").GetDouble() > 0);
        Assert.True(root.GetProperty("copy_gb_per_s").GetDouble() > 0);
    }

    [Fact]
    public void Json_ReportsTheDtypeAndTheMask()
    {
        CliResult result = CliRun.Invoke("bench", "--shape", "64,8,16", "--axis", "1", "--dtype", "float64", "--mask", "0.5", "--repeat", "3", "--json");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Equal("float64", root.GetProperty("dtype").GetString());
        Assert.Equal(0.5, root.GetProperty("mask_share").GetDouble());
        Assert.True(root.GetProperty("median_ms").GetDouble() > 0);
    }

    [Theory]
    [InlineData("--mask", "1.5", "bnaxis: --mask '1.5' is not usable: expected a share of positions kept, 0 to 1, such as 0.7\n")]
    [InlineData("--mask", "-0.1", "bnaxis: --mask '-0.1' is not usable: expected a share of positions kept, 0 to 1, such as 0.7\n")]
    [InlineData("--mask", "NaN", "bnaxis: --mask 'NaN' is not usable: expected a share of positions kept, 0 to 1, such as 0.7\n")]
    [InlineData("--mask", "most", "bnaxis: --mask 'most' is not usable: expected a share of positions kept, 0 to 1, such as 0.7\n")]
    [InlineData("--dtype", "float16", "bnaxis: --dtype 'float16' is unknown: expected float32 or float64\n")]
    public void DtypeAndMask_OutsideTheirValues_AreRefusedBeforeAnyTiming(string option, string value, string message)
    {
        var clock = Stopwatch.StartNew();

        CliResult result = CliRun.Invoke("bench", "--shape", "8,16", option, value);

        CliAssert.UsageError(result);
        Assert.Equal(message, result.Error);
        Assert.True(clock.Elapsed < CliAssert.Quickly, $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("infer")]
    [InlineData("backward")]
    public void Mask_WithAModeOtherThanTrain_IsRefused(string mode)
    {
        CliResult result = CliRun.Invoke("bench", "--shape", "8,16", "--mode", mode, "--mask", "0.5");

        CliAssert.UsageError(result);
        Assert.Equal($"bnaxis: --mask is not available for --mode {mode}: a mask changes only the batch statistics of a training call (expected --mode train)\n", result.Error);
    }

    [Fact]
    public void Threads_AboveTheMaximum_IsAUsageError()
    {
        CliResult result = CliRun.Invoke("bench", "--shape", "8,16", "--threads", "1025");

        CliAssert.UsageError(result);
        Assert.Equal("bnaxis: --threads 1025 is not usable: expected 1 to 1024\n", result.Error);
    }

    [Theory]
    [InlineData("2147483647")] // the example: accepted, and the bench never ended
    [InlineData("100001")]
    [InlineData("0")]
    public void Repeat_OutsideOneToAHundredThousand_IsRefusedBeforeAnyTiming(string repeat)
    {
        var clock = Stopwatch.StartNew();

        CliResult result = CliRun.Invoke("bench", "--shape", "8,16", "--repeat", repeat);

        CliAssert.UsageError(result);
        Assert.Equal($"bnaxis: --repeat {repeat} is not usable: expected 1 to 100000\n", result.Error);
        Assert.True(clock.Elapsed < CliAssert.Quickly, $"took {clock.Elapsed}");
    }

    [Fact]
    public void Shape_OfAThousandMillionElements_IsRefusedWhenItDoesNotFit()
    {
        // The example died with OutOfMemoryException (exit 70): one channel per element makes the eight
        // per-channel arrays 32 GB. A 2 GB GC heap limit makes "does not fit" hold on any machine.
        var environment = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x80000000" };

        CliResult result = BnaxisProcess.Run(environment, TimeSpan.FromSeconds(60), "bench", "--shape", "1000000000");

        CliAssert.UsageError(result);
        Assert.StartsWith("bnaxis: --shape (1000000000,) does not fit in memory: the bench needs about ", result.Error, StringComparison.Ordinal);
        Assert.Contains(" bytes (", result.Error, StringComparison.Ordinal);
        Assert.Contains("the GC has 2147483648 bytes (2.1 GB)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Shape_ThatFitsTheMachineButNotTheHeapLimit_IsRefused()
    {
        // 600 M elements over 8 channels: 4.8 GB of x and y. Refused under a 2 GB heap, though the shape is valid.
        var environment = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x80000000" };

        CliResult result = BnaxisProcess.Run(environment, TimeSpan.FromSeconds(60), "bench", "--shape", "75000000,8", "--impl", "scalar");

        CliAssert.UsageError(result);
        Assert.StartsWith("bnaxis: --shape (75000000, 8) does not fit in memory", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Shape_OfRankTwoMillionInAResponseFile_IsRefusedQuickly()
    {
        // The example: a valid all-ones shape of rank 2,000,000 overflowed the stack (exit 134).
        using var arguments = new ResponseFile("--shape", CliAssert.OnesShape(2_000_000));
        var clock = Stopwatch.StartNew();

        CliResult result = CliRun.Invoke("bench", arguments.Token);

        CliAssert.UsageError(result);
        Assert.Equal("bnaxis: input shape has rank 2000000 (axis=-1): expected at most 64 dimensions (AxisResolution.MaxRank, NumPy's limit)\n", result.Error);
        Assert.True(clock.Elapsed < CliAssert.Quickly, $"took {clock.Elapsed}");
    }

    [Fact]
    public void Shape_OfRankTwoMillion_DoesNotCrashTheProcess()
    {
        // In a process of its own, so a stack overflow would show as exit 134 rather than kill the test run.
        using var arguments = new ResponseFile("--shape", CliAssert.OnesShape(2_000_000));

        CliResult result = BnaxisProcess.Run(new Dictionary<string, string>(), TimeSpan.FromSeconds(60), "bench", arguments.Token);

        CliAssert.UsageError(result);
        Assert.Contains("rank 2000000", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Mode_WithAControlCharacter_IsEchoedOnOneLine()
    {
        CliResult result = CliRun.Invoke("bench", "--shape", "8", "--mode", "train\n\u001b[2Jx");

        CliAssert.UsageError(result);
        Assert.Equal("bnaxis: --mode 'train\\n\\u001B[2Jx' is unknown: expected train, infer or backward\n", result.Error);
    }
}
