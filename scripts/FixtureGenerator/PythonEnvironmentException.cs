namespace BatchNormAxis.FixtureGenerator;

/// <summary>Python or NumPy cannot be used; the message says what to install or set.</summary>
internal sealed class PythonEnvironmentException(string message) : Exception(message);
