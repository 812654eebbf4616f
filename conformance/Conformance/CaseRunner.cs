namespace BatchNormAxis.Conformance;

/// <summary>Runs a case through an in-process implementation and grades the answer.</summary>
public static class CaseRunner
{
    /// <summary>Executes and grades one case.</summary>
    /// <param name="fixture">The case.</param>
    /// <param name="implementation">The implementation.</param>
    /// <returns>The verdict and the comparisons.</returns>
    public static CaseResult Run(FixtureCase fixture, IBatchNormalization implementation) =>
        CaseGrader.Grade(fixture, CaseExecutor.Execute(fixture, implementation));
}
