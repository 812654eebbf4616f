namespace BatchNormAxis.Conformance.Protocol;

/// <summary>A well-formed answer to a run message.</summary>
/// <param name="Seq">The seq it echoes.</param>
/// <param name="Response">
/// The answer to the case awaited; null when <paramref name="Seq"/> is that of an earlier case (a second answer to a
/// case already answered, which must not be charged to the case awaited now).
/// </param>
public readonly record struct RunReply(int Seq, CaseResponse? Response);
