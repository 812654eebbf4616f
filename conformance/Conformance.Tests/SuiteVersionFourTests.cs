namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// Suite 0.4.0 (issue 13): the 12 invalid cases renamed to ids that describe the input only, in families shared with
/// valid cases, and titles that state results reworded; the same 391 cases, no case added or dropped.
/// </summary>
public class SuiteVersionFourTests
{
    /// <summary>Suite 0.3.0 id to suite 0.4.0 id.</summary>
    private static readonly Dictionary<string, string> s_renamed = new(StringComparer.Ordinal)
    {
        ["invalid.axis-out-of-range.r4.axis4.f32"] = "spelling.r4.axis-4.train.f32",
        ["invalid.axis-out-of-range.r4.axis-5.f32"] = "spelling.r4.axis-neg5.train.f32",
        ["invalid.axis-out-of-range.r2.list-1-2.f32"] = "spelling.r2.axis-list-1-2.train.f32",
        ["invalid.duplicate-axis.r4.list-1-neg3.f32"] = "spelling.r4.axis-list-1-neg3.train.f32",
        ["invalid.duplicate-axis.r3.list-2-2.f32"] = "spelling.r3.axis-list-2-2.train.f32",
        ["invalid.empty-axis-list.r3.f32"] = "spelling.r3.axis-list-empty.train.f32",
        ["invalid.rank-zero.f32"] = "spelling.r0.axis-neg1.train.f32",
        ["invalid.parameter-shape.r3.k1.gamma-length.f32"] = "params.r3.k1.gamma-shape-3.train.f32",
        ["invalid.parameter-shape.r3.k1.gamma-rank.f32"] = "params.r3.k1.gamma-shape-1x2.train.f32",
        ["invalid.parameter-shape.r3.k2.gamma-of-axis-0.f32"] = "params.r3.k2.gamma-shape-4.train.f32",
        ["invalid.mask-shape.r3.k2.same-rank.f32"] = "mask.r3.k2.mask-shape-4x5x3.train.f32",
        ["invalid.mask-shape.r3.k2.too-short.f32"] = "mask.r3.k2.mask-shape-4.train.f32",
    };

    [Fact]
    public void Suite040_IsSuite030_WithTheInvalidCasesRenamed()
    {
        var official = OfficialSuites.LoadEmbeddedManifests();
        Assert.True(official.ContainsKey("0.1.0") && official.ContainsKey("0.2.0") && official.ContainsKey("0.3.0"), "an earlier suite is no longer recognised");
        Dictionary<string, ManifestEntry> before = official["0.3.0"].Manifest.Cases.ToDictionary(e => e.Id, StringComparer.Ordinal);
        Dictionary<string, ManifestEntry> now = official["0.4.0"].Manifest.Cases.ToDictionary(e => e.Id, StringComparer.Ordinal);

        Assert.Equal(391, now.Count);
        Assert.Equal(s_renamed.Keys.Order(StringComparer.Ordinal), before.Keys.Except(now.Keys).Order(StringComparer.Ordinal));
        Assert.Equal(s_renamed.Values.Order(StringComparer.Ordinal), now.Keys.Except(before.Keys).Order(StringComparer.Ordinal));

        // A renamed case is the same case: its layout, capabilities and expected category's kind are unchanged.
        foreach ((string old, string renamed) in s_renamed)
        {
            ManifestEntry a = before[old];
            ManifestEntry b = now[renamed];
            Assert.Equal(FixtureKind.Invalid, b.Kind);
            Assert.Equal(a.Shape, b.Shape);
            Assert.Equal(a.Capabilities, b.Capabilities);
            Assert.Equal(a.DType, b.DType);
        }
    }

    [Fact]
    public void EveryInvalidCase_SharesItsFamilyAndModeWithValidCases()
    {
        // An id prefix or mode word used by invalid cases alone would tell a harness that an error is expected.
        ManifestEntry[] cases = [.. FixtureLocation.Set.Manifest.Cases];
        HashSet<string> validFamilies = [.. cases.Where(e => e.Kind != FixtureKind.Invalid).Select(e => e.Id.Split('.')[0])];
        ManifestEntry[] invalid = [.. cases.Where(e => e.Kind == FixtureKind.Invalid)];

        Assert.Equal(12, invalid.Length);
        Assert.All(invalid, e => Assert.Contains(e.Id.Split('.')[0], validFamilies));
        Assert.All(invalid, e => Assert.EndsWith(".train.f32", e.Id, StringComparison.Ordinal));
    }
}
