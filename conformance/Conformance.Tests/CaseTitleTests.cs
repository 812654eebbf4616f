namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// Issue 13: a case's title reaches the harness, so it describes the input (layout, data, layer arguments) and never
/// the result: no output value ("variance 0, y = beta"), no behaviour to produce ("the moving statistics carry
/// over"), no error category.
/// </summary>
public class CaseTitleTests
{
    /// <summary>Phrases that state a result or an expectation rather than an input (the titles of suite 0.3.0 used each).</summary>
    private static readonly string[] s_resultPhrases =
    [
        "y =", "= beta", "expected", "result", "variance 0", "no NaN", "changes nothing", "carry over", "cancels", "fails",
        "poisons", "stays", "left as", "dgamma =", "r and d", "computed in", "underflow", "divides", "as measured", "unclipped", "become",
    ];

    public static TheoryData<string> CaseIds => [.. FixtureLocation.Set.Manifest.Cases.Select(e => e.Id)];

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Title_DescribesTheInputOnly(string id)
    {
        string title = FixtureLocation.Set.ReadCase(id).Title;

        Assert.All(s_resultPhrases, phrase => Assert.DoesNotContain(phrase, title, StringComparison.OrdinalIgnoreCase));
        foreach (string category in ErrorCategories.All)
        {
            Assert.DoesNotContain(category.Replace('_', ' '), title, StringComparison.OrdinalIgnoreCase);
        }
    }
}
