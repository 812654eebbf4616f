namespace BatchNormAxis.Conformance.Tests.Discrimination;

/// <summary>
/// Issue 13: on the first large-offset case the tolerance of y was larger than its signal (max |y_ref - beta| was
/// 0.39 of the tolerance), so an implementation answering y = beta passed y. Every large-offset training case must
/// now reject y = beta by far.
/// </summary>
public class LargeOffsetSignalTests(ITestOutputHelper output)
{
    public static TheoryData<string> LargeOffsetTrainingCases =>
        [.. FixtureLocation.Set.Manifest.Cases.Where(e => e.Id.StartsWith("data.large-offset.", StringComparison.Ordinal) && e.Id.Contains(".train.", StringComparison.Ordinal)).Select(e => e.Id)];

    [Theory]
    [MemberData(nameof(LargeOffsetTrainingCases))]
    public void YEqualsBeta_MissesYByTenTolerances(string id)
    {
        FixtureCase fixture = FixtureLocation.Set.ReadCase(id);
        ExpectedTensor y = fixture.Expected["y"];
        double[] beta = fixture.Inputs["beta"].Values;
        int[] channelOf = AxisResolution.Resolve(fixture.Shape.AsSpan(), AxisSpec.List([.. fixture.KeptAxes])).ChannelOfEachElement();
        double[] yIsBeta = [.. channelOf.Select(c => beta[c])];

        double ratio = OutputComparison.Compare("y", y, yIsBeta).WorstRatio;
        output.WriteLine($"{id}: y = beta misses y by {ratio:G3} tolerances");
        Assert.True(ratio >= DiscriminationTable.CatchRatio, $"{id}: y = beta is only {ratio:G3}x the tolerance of y away from the reference");
    }
}
