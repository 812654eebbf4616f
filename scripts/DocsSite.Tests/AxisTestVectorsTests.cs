using System.Text.Json;

namespace BatchNormAxis.DocsSite.Tests;

public class AxisTestVectorsTests
{
    [Fact]
    public void CommittedFile_IsWhatTheGeneratorWritesNow()
    {
        string committed = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", AxisTestVectors.RelativePath));

        // The Cli.Tests twin of this test runs the real `bnaxis explain` on every input.
        Assert.True(
            committed == AxisTestVectors.Generate(),
            $"docs/{AxisTestVectors.RelativePath} is stale: run dotnet run --project scripts/DocsSite -- --write-axis-vectors and commit it");
    }

    [Fact]
    public void Vectors_CoverEveryRankFromOneToSixAndBothOutcomes()
    {
        using JsonDocument file = JsonDocument.Parse(AxisTestVectors.Generate());
        JsonElement[] vectors = [.. file.RootElement.GetProperty("vectors").EnumerateArray()];

        int[] ranks = [.. vectors.Where(v => v.TryGetProperty("expected", out _)).Select(v => v.GetProperty("expected").GetProperty("shape").GetArrayLength()).Distinct().Order()];
        Assert.Equal([1, 2, 3, 4, 5, 6], ranks);
        Assert.InRange(vectors.Count(v => v.TryGetProperty("error", out _)), 10, 30);
        Assert.All(vectors.Where(v => v.TryGetProperty("expected", out _)), v => Assert.Equal(4, v.GetProperty("code").GetArrayLength()));
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Conformance.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("no Conformance.sln above " + AppContext.BaseDirectory);
    }
}
