namespace BatchNormAxis.Conformance;

/// <summary>What a case asks of an implementation.</summary>
public enum FixtureKind
{
    /// <summary>One forward call: y and the moving statistics after it.</summary>
    Forward,

    /// <summary>The gradients dx, dgamma, dbeta of <c>sum(dy * y)</c> for one call.</summary>
    Backward,

    /// <summary>Several forward calls on one layer, its moving statistics carried from call to call.</summary>
    Sequence,

    /// <summary>Input a conforming implementation must reject, with the expected error category.</summary>
    Invalid,
}
