using BatchNormAxis.Conformance.Diagnosis;

namespace BatchNormAxis.Conformance.Tests.Discrimination;

/// <summary>
/// Each known-wrong convention is caught by the required cases, and docs/tolerance.md publishes exactly what they
/// measure. To refresh the page after a fixture change, run this class with BNAXIS_WRITE_DISCRIMINATION_TABLE=1.
/// </summary>
public class DiscriminationTableTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyList<ConventionCatch>> s_catches = new(() => DiscriminationTable.Measure(FixtureLocation.Set));

    private static string TolerancePage => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(FixtureLocation.Directory))!, "docs", "tolerance.md");

    public static TheoryData<string> Conventions => [.. Enum.GetValues<WrongConvention>().Select(WrongConventions.Name)];

    [Theory]
    [MemberData(nameof(Conventions))]
    public void KnownConvention_IsCaughtByThreeRequiredCasesOfDifferentLayouts(string name)
    {
        ConventionCatch c = s_catches.Value.Single(c => WrongConventions.Name(c.Convention) == name);
        foreach ((FixtureCase fixture, double ratio) in c.Catching)
        {
            output.WriteLine($"{fixture.Id}: {ratio:G3}x the tolerance ({DiscriminationTable.Layout(fixture)})");
        }

        Assert.True(c.Layouts >= 3, $"{name} is caught (>= {DiscriminationTable.CatchRatio}x tolerance) by {c.Catching.Count} {c.Pool} cases over {c.Layouts} layouts: expected at least 3 layouts");
    }

    [Fact]
    public void TolerancePage_PublishesTheMeasuredTable()
    {
        string table = DiscriminationTable.Markdown(s_catches.Value);
        string page = File.ReadAllText(TolerancePage).ReplaceLineEndings("\n");
        int begin = page.IndexOf(DiscriminationTable.BeginMarker, StringComparison.Ordinal);
        int end = page.IndexOf(DiscriminationTable.EndMarker, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"{TolerancePage} has no table between the markers {DiscriminationTable.BeginMarker} and {DiscriminationTable.EndMarker}");
        string published = page[begin..(end + DiscriminationTable.EndMarker.Length)];
        if (published != table.ReplaceLineEndings("\n") && Environment.GetEnvironmentVariable("BNAXIS_WRITE_DISCRIMINATION_TABLE") == "1")
        {
            File.WriteAllText(TolerancePage, page[..begin] + table.ReplaceLineEndings("\n") + page[(end + DiscriminationTable.EndMarker.Length)..]);
            output.WriteLine($"rewrote the table in {TolerancePage}");
            return;
        }

        output.WriteLine(table);
        Assert.Equal(table.ReplaceLineEndings("\n"), published);
    }
}
