namespace BatchNormAxis.Conformance.Tests;

/// <summary>Every built-in implementation against every fixture case: one test per implementation and case id.</summary>
public class BuiltInConformanceTests
{
    private static readonly Dictionary<string, IBatchNormalization> s_implementations = new()
    {
        ["scalar"] = ScalarBatchNorm.Instance,
        ["fast"] = FastBatchNorm.Instance,
    };

    public static TheoryData<string, string> Cases
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (string implementation in s_implementations.Keys)
            {
                foreach (ManifestEntry entry in FixtureLocation.Set.Manifest.Cases)
                {
                    data.Add(implementation, entry.Id);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BuiltInImplementation_PassesCase(string implementation, string id)
    {
        FixtureCase fixture = FixtureLocation.Set.ReadCase(id);

        CaseResult result = CaseRunner.Run(fixture, s_implementations[implementation]);

        Assert.True(result.Verdict == CaseVerdict.Passed, $"{implementation} {id}: {result.Message}");
    }
}
