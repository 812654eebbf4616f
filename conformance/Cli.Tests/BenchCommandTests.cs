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
}
