namespace BatchNormAxis.Cli;

/// <summary>A value on the command line that cannot be parsed; the message is one line for stderr.</summary>
internal sealed class CommandLineValueException(string message) : Exception(message);
