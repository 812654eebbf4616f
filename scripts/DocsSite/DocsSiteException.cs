namespace BatchNormAxis.DocsSite;

/// <summary>
/// A problem in the docs or the command line that stops the build; the message is one line naming the file and the value.
/// </summary>
/// <param name="message">The one-line message.</param>
/// <param name="isCommandLine">True when an argument is at fault (exit code 2) rather than the docs (exit code 1).</param>
internal sealed class DocsSiteException(string message, bool isCommandLine = false) : Exception(message)
{
    public bool IsCommandLine { get; } = isCommandLine;
}
