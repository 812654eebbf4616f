namespace BatchNormAxis.Conformance;

/// <summary>
/// One way a fixture folder differs from the official suite this tool ships: a case missing, added or changed in
/// the manifest, a changed manifest field, or a <c>schema/</c> file unlike the built-in schema (which is used anyway).
/// </summary>
/// <param name="Path">The file, relative to the fixture folder.</param>
/// <param name="CaseId">The case, when the difference is about one.</param>
/// <param name="Description">What differs, naming the official suite version.</param>
public sealed record FixtureDifference(string Path, string? CaseId, string Description)
{
    /// <summary>One line: <c>path (case id): description</c>, control characters escaped.</summary>
    public string Message => OneLine.About(Path, CaseId, Description);
}
