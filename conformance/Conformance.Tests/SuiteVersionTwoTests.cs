namespace BatchNormAxis.Conformance.Tests;

/// <summary>Suite 0.2.0 only adds the renorm tier: every case of suite 0.1.0 is still there, byte for byte.</summary>
public class SuiteVersionTwoTests
{
    [Fact]
    public void Suite020_IsSuite010PlusTheRenormCases_WithEveryEarlierCaseUnchanged()
    {
        var official = OfficialSuites.LoadEmbeddedManifests();
        Assert.True(official.ContainsKey("0.1.0"), "suite 0.1.0 is no longer recognised");
        Dictionary<string, ManifestEntry> before = official["0.1.0"].Manifest.Cases.ToDictionary(e => e.Id, StringComparer.Ordinal);
        Dictionary<string, ManifestEntry> now = official["0.2.0"].Manifest.Cases.ToDictionary(e => e.Id, StringComparer.Ordinal);

        Assert.All(before.Values, e => Assert.Equal(e.Sha256, now[e.Id].Sha256));
        string[] added = [.. now.Keys.Except(before.Keys)];
        Assert.Equal(35, added.Length);
        Assert.All(added, id => Assert.StartsWith("renorm.", id, StringComparison.Ordinal));
        Assert.All(added, id => Assert.Contains("renorm", now[id].Capabilities));
        Assert.All(before.Values, e => Assert.DoesNotContain("renorm", e.Capabilities));
    }

    [Fact]
    public void RenormCases_AreNeverRequired()
    {
        ManifestEntry[] renorm = [.. FixtureLocation.Set.Manifest.Cases.Where(e => e.Capabilities.Contains("renorm"))];

        Assert.NotEmpty(renorm);
        Assert.All(renorm, e => Assert.False(Running.RequiredTier.IsRequired(e, declaresFloat64: true), $"{e.Id} is required"));
    }
}
