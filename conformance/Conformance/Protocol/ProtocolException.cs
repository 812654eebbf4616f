namespace BatchNormAxis.Conformance.Protocol;

/// <summary>A harness broke the protocol: bad JSON, a wrong sequence number, a malformed answer. One line, quoting what it sent.</summary>
public sealed class ProtocolException(string message) : Exception(message);
