using System.Text.RegularExpressions;

namespace BatchNormAxis.Tests.Docs;

/// <summary>
/// Issue 14's wording leftovers: one spelling of the moving update on every page, one name ("parameter shape") for
/// the kept dimensions, and a home page whose picture draws the axis its text explains.
/// </summary>
public partial class DocsWordingTests
{
    /// <summary>tolerance.md and sources.md once wrote the tf.keras update as <c>moving -= …</c>; every page uses one form.</summary>
    [Fact]
    public void NoPage_SpellsTheMovingUpdateAsAnInPlaceSubtraction()
    {
        string[] offending = [.. DocsPages.Pages.Where(page => DocsPages.Read(page).Contains("moving -=", StringComparison.Ordinal))];
        Assert.Empty(offending);
        Assert.Contains("moving - (moving - batch) * (1 - momentum)", DocsPages.Read("tolerance.md"), StringComparison.Ordinal);
        Assert.Contains("moving - (moving - batch) * (1 - momentum)", DocsPages.Read("sources.md"), StringComparison.Ordinal);
    }

    /// <summary>"weight shape" was a third name for the parameter shape.</summary>
    [Theory]
    [InlineData("index.md")]
    [InlineData("keras2-vs-keras3.md")]
    public void Page_NamesTheKeptDimensionsParameterShape(string page)
    {
        string text = DocsPages.Read(page).Replace("\n", " ", StringComparison.Ordinal);
        Assert.DoesNotContain("weight shape", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("parameter shape", text, StringComparison.Ordinal);
    }

    /// <summary>The home page explained axis=1 under a drawing of axis=-1; the first diagram draws the axis the text opens with.</summary>
    [Fact]
    public void HomePage_DrawsTheAxisItExplains()
    {
        string page = DocsPages.Read("index.md");
        string explained = ExplainedAxis().Match(page).Groups["axis"].Value;
        FencedBlock diagram = DocsPages.FencedBlocks("index.md").First(block => block.Info == "axis-diagram");
        string drawn = DiagramAxis().Match(diagram.Body).Groups["axis"].Value;
        Assert.Equal("1", explained);
        Assert.Equal(explained, drawn);
    }

    [GeneratedRegex(@"`BatchNormalization\(axis=(?<axis>-?\d+)\)`")]
    private static partial Regex ExplainedAxis();

    [GeneratedRegex(@"^axis:\s*(?<axis>\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex DiagramAxis();
}
