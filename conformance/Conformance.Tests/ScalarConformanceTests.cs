namespace BatchNormAxis.Conformance.Tests;

/// <summary>The plain scalar reference against every fixture case: one test per case id.</summary>
public class ScalarConformanceTests
{
    public static TheoryData<string> CaseIds => [.. FixtureLocation.Set.Manifest.Cases.Select(c => c.Id)];

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void ScalarReference_PassesCase(string id)
    {
        FixtureCase fixture = FixtureLocation.Set.ReadCase(id);

        CaseResult result = CaseRunner.Run(fixture, ScalarBatchNorm.Instance);

        Assert.True(result.Verdict == CaseVerdict.Passed, $"{id}: {result.Message}");
    }
}
