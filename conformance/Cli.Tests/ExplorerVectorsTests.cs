using System.Text.Json.Nodes;

namespace BatchNormAxis.Cli.Tests;

/// <summary>
/// docs/assets/axis-test-vectors.json, the axis explorer's shared test vectors, must be what `bnaxis explain` answers
/// now: the browser test holds the JavaScript explorer to this file, this test holds the file to the command.
/// </summary>
public class ExplorerVectorsTests
{
    public static TheoryData<int> VectorIndexes => [.. Enumerable.Range(0, Vectors().Count)];

    [Theory]
    [MemberData(nameof(VectorIndexes))]
    public void Vector_IsWhatExplainAnswers(int index)
    {
        JsonObject vector = Vectors()[index];
        string shape = (string)vector["shape"]!;
        string axis = (string)vector["axis"]!;

        // "--shape=" keeps values such as "-1" or "" from being read as options.
        CliResult json = CliRun.Invoke("explain", $"--shape={shape}", $"--axis={axis}", "--json");

        if (vector["error"] is JsonNode error)
        {
            Assert.Equal(2, json.ExitCode);
            Assert.Equal($"bnaxis: {(string)error!}{Environment.NewLine}", json.Error);
            return;
        }

        Assert.Equal(0, json.ExitCode);
        Assert.True(JsonNode.DeepEquals(vector["expected"], JsonNode.Parse(json.Output)), $"explain --json for {shape} / {axis}: {json.Output}");
        CliResult text = CliRun.Invoke("explain", $"--shape={shape}", $"--axis={axis}");
        string[] lines = text.Output.Split('\n');
        foreach (JsonNode? code in vector["code"]!.AsArray())
        {
            Assert.Contains("  " + (string)code!, lines);
        }
    }

    private static List<JsonObject> Vectors()
    {
        string path = Path.Combine(RepositoryRoot(), "docs", "assets", "axis-test-vectors.json");
        return [.. JsonNode.Parse(File.ReadAllText(path))!["vectors"]!.AsArray().Select(v => v!.AsObject())];
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Conformance.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("no Conformance.sln above " + AppContext.BaseDirectory);
    }
}
