namespace BatchNormAxis.DocsSite;

/// <summary>A problem in the docs or the command line that stops the build; the message is one line naming the file and the value.</summary>
internal sealed class DocsSiteException(string message) : Exception(message);
