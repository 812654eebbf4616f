namespace BatchNormAxis.DocsSite;

/// <summary>What a build found and wrote. With any error nothing is written.</summary>
internal sealed record SiteBuildResult(IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings, int Pages, int Diagrams);
