using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Conformance.Reports;

/// <summary>
/// The run-level facts every report states in the same words: where the fixtures came from, and the loud notices
/// that a run does not show conformance (it was cut short, or wildcard expectations matched required cases).
/// </summary>
public static class RunNotices
{
    /// <summary>The fixtures' provenance in words: <c>official suite 1.0.0</c>, <c>modified</c> or <c>unknown</c>, with the manifest hash.</summary>
    /// <param name="provenance">The provenance.</param>
    /// <returns>One line.</returns>
    public static string Describe(FixtureProvenance provenance)
    {
        ArgumentNullException.ThrowIfNull(provenance);
        return provenance.ManifestSha256.Length == 0
            ? "unknown (no manifest hash recorded)"
            : provenance.IsOfficial
                ? $"official suite {provenance.OfficialSuiteVersion} (manifest sha256 {provenance.ManifestSha256})"
                : $"modified: not an official suite (manifest sha256 {provenance.ManifestSha256})";
    }

    /// <summary>The notices that the run does not show conformance, loudest first; empty when there are none.</summary>
    /// <param name="report">The report.</param>
    /// <returns>One line each, already neutralized (<see cref="ReportText"/>).</returns>
    public static IReadOnlyList<string> For(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var notices = new List<string>();
        if (report.Incomplete is not null)
        {
            notices.Add($"the run is incomplete: {ReportText.OneLine(report.Incomplete)}; it does not show conformance");
        }

        int waived = report.RequiredWaivedByWildcard;
        if (waived > 0)
        {
            notices.Add($"{waived} required case{(waived == 1 ? " was" : "s were")} waived by wildcard entries; a required case can only be waived by its exact id; the run is not conformant");
        }

        return notices;
    }
}
