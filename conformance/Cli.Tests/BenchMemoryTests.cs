namespace BatchNormAxis.Cli.Tests;

/// <summary>The memory check of <c>bnaxis bench</c>, with availability given rather than read from this machine.</summary>
public class BenchMemoryTests
{
    private static readonly AxisResolution s_layout = AxisResolution.Resolve([1000, 1000], AxisSpec.Of(-1));

    [Fact]
    public void Estimate_CountsTheCopyProbeAndTheFullSizeArrays()
    {
        long estimate = BenchMemory.Estimate(s_layout, "train", FastBatchNorm.Instance);

        // 400 MB of copy probe, and x and y: 2 × 1,000,000 float32.
        Assert.True(estimate >= 400_000_000 + 8_000_000, $"{estimate}");
        Assert.True(BenchMemory.Estimate(s_layout, "backward", FastBatchNorm.Instance) >= estimate + 4_000_000, "backward holds dy too");
    }

    [Fact]
    public void Estimate_OfTheScalarReference_CountsItsDoubles()
    {
        // The scalar reference holds x and y in double too (16 bytes per element) besides the float32 arrays.
        AxisResolution layout = AxisResolution.Resolve([10_000, 1000], AxisSpec.Of(-1));

        long scalar = BenchMemory.Estimate(layout, "train", ScalarBatchNorm.Instance);

        Assert.True(scalar >= 400_000_000 + (10_000_000L * (8 + 16)), $"{scalar}");
        Assert.True(scalar > BenchMemory.Estimate(layout, "train", FastBatchNorm.Instance));
    }

    [Fact]
    public void RequireFits_AllowsEightyPercentOfWhatIsAvailable()
    {
        BenchMemory.RequireFits(s_layout, needed: 800, available: 1000);

        var refusal = Assert.Throws<CommandLineValueException>(() => BenchMemory.RequireFits(s_layout, needed: 801, available: 1000));
        Assert.Equal(
            "--shape (1000, 1000) does not fit in memory: the bench needs about 801 bytes (0.0 GB) and the GC has 1000 bytes (0.0 GB), of which it plans to use at most 80 %: expected a smaller shape",
            refusal.Message);
    }

    [Fact]
    public void Available_IsWhatTheGcReports()
    {
        Assert.Equal(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, BenchMemory.Available());
        Assert.True(BenchMemory.Available() > 0);
    }
}
