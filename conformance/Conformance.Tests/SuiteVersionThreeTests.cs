namespace BatchNormAxis.Conformance.Tests;

/// <summary>Suite 0.3.0 (issue 13): 8 new cases, the large-offset data redesigned, invalid titles reworded; nothing else changed.</summary>
public class SuiteVersionThreeTests
{
    private static readonly string[] s_added =
    [
        "data.large-offset.r3.k1.train.f32", "data.large-offset.r3.k1.train.f64", "data.large-offset.r4.k1.train.f32",
        "data.large-offset.r4.k3.train.f32", "data.large-offset.r4.k3.train.f64", "frozen.r2.k1.f32", "frozen.r3.k0.f32", "frozen.r5.k2.f32",
    ];

    [Fact]
    public void Suite030_IsSuite020PlusEightCases_WithOnlyTheLargeOffsetDataAndInvalidTitlesChanged()
    {
        var official = OfficialSuites.LoadEmbeddedManifests();
        Assert.True(official.ContainsKey("0.1.0") && official.ContainsKey("0.2.0"), "an earlier suite is no longer recognised");
        Dictionary<string, ManifestEntry> before = official["0.2.0"].Manifest.Cases.ToDictionary(e => e.Id, StringComparer.Ordinal);
        Dictionary<string, ManifestEntry> now = official["0.3.0"].Manifest.Cases.ToDictionary(e => e.Id, StringComparer.Ordinal);

        Assert.Equal(s_added, now.Keys.Except(before.Keys).Order(StringComparer.Ordinal));
        Assert.Empty(before.Keys.Except(now.Keys));
        string[] changed = [.. before.Values.Where(e => e.Sha256 != now[e.Id].Sha256).Select(e => e.Id).Order(StringComparer.Ordinal)];
        Assert.All(changed, id => Assert.True(id.StartsWith("invalid.", StringComparison.Ordinal) || id.StartsWith("data.large-offset.r2.k1.", StringComparison.Ordinal), $"{id} changed"));
        Assert.Equal(12 + 3, changed.Length);
    }

    [Fact]
    public void NewFloat32Cases_AreRequired()
    {
        foreach (string id in s_added.Where(id => id.EndsWith(".f32", StringComparison.Ordinal)))
        {
            ManifestEntry entry = FixtureLocation.Set.Manifest.Cases.Single(e => e.Id == id);
            Assert.True(Running.RequiredTier.IsRequiredOfEvery(entry), $"{id} is not required");
        }
    }
}
