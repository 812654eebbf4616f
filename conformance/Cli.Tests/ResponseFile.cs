using System.Text;

namespace BatchNormAxis.Cli.Tests;

/// <summary>A System.CommandLine response file in a temporary folder (never the current one), deleted on dispose.</summary>
internal sealed class ResponseFile : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bnaxis-rsp-").FullName;

    /// <summary>Writes the lines; <see cref="Token"/> is the <c>@path</c> argument that reads them.</summary>
    public ResponseFile(params string[] lines)
    {
        Path = System.IO.Path.Combine(_directory, "args.rsp");
        // Lone surrogates are written as U+FFFD, as any editor would save them, rather than refused.
        File.WriteAllLines(Path, lines, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false));
    }

    public string Path { get; }

    public string Token => "@" + Path;

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
