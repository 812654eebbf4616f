namespace BatchNormAxis.Explain;

/// <summary>A value on the command line that cannot be parsed; the message is one line for stderr.</summary>
/// <param name="message">One line naming the value once and what was expected.</param>
public sealed class CommandLineValueException(string message) : Exception(message);
