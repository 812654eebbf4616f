namespace BatchNormAxis.Conformance.Running;

/// <summary>A harness that cannot be started or does not complete the start handshake; the run cannot begin.</summary>
public sealed class HarnessUnusableException(string message) : Exception(message);
