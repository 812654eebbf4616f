namespace BatchNormAxis.Conformance.Tests;

/// <summary>A manifest path must stay inside the fixture folder, whatever way it is spelled.</summary>
public class ConfinedFilesTests
{
    [Theory]
    [InlineData("cases/../../../outside/evil.json", "climbs out with '..'")]
    [InlineData("cases/keep/..", "climbs out with '..'")]
    [InlineData("/etc/passwd", "is absolute")]
    [InlineData("C:/Windows/win.ini", "is absolute")]
    [InlineData("cases\\..\\..\\evil.json", "holds a backslash")]
    [InlineData("cases//keep.json", "has an empty or '.' segment")]
    [InlineData("cases/./keep.json", "has an empty or '.' segment")]
    [InlineData("cases/keep/a\n.json", "holds a control character")]
    [InlineData("", "the path is empty")]
    public void PathOutsideOrAmbiguous_IsAProblem(string path, string expected)
    {
        string? problem = ConfinedFiles.PathProblem(path);

        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
    }

    [Theory]
    [InlineData("cases/keep/keep.r2.k1.train.f32.json")]
    [InlineData("manifest.json")]
    [InlineData("cases/data/data.nan..f32.json")]
    public void PlainRelativePath_IsFine(string path) => Assert.Null(ConfinedFiles.PathProblem(path));
}
