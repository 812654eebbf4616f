namespace BatchNormAxis.Conformance;

/// <summary>
/// A fixture file that is missing, corrupted, truncated, tampered with, inconsistent or out of bounds. The message is
/// one line naming the file and, when known, the case; control characters from the file are escaped.
/// </summary>
public sealed class FixtureFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file, relative to the fixture directory where possible.</param>
    /// <param name="caseId">The case id, when known.</param>
    /// <param name="problem">What is wrong, and what was expected.</param>
    public FixtureFormatException(string path, string? caseId, string problem)
        : base(OneLine.About(path, caseId, problem))
    {
        Path = path;
        CaseId = caseId;
        Problem = problem;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The case id, when known.</summary>
    public string? CaseId { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }
}
