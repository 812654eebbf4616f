namespace BatchNormAxis.FixtureGenerator;

/// <summary>A case the generator refuses to write (e.g. the two oracles disagree); the message names the case.</summary>
internal sealed class GeneratorException(string message) : Exception(message);
