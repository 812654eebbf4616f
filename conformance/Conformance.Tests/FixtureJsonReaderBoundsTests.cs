using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// The case reader also reads `serve` run messages nobody validated: any input ends in a case or in one
/// <see cref="FixtureFormatException"/> of one line, never another exception, a huge allocation or a long stall.
/// </summary>
public class FixtureJsonReaderBoundsTests
{
    private const string Where = "run message";
    private const string VictimPath = "cases/keep/keep.r2.k1.train.f32.json";
    private const string VictimId = "keep.r2.k1.train.f32";

    [Fact]
    public void OverflowingShape_WithEmptyData_IsRefused()
    {
        // 2^30 float32 values are 2^32 bytes; a 32-bit count*itemsize wrapped to 0 and matched the empty data.
        FixtureFormatException problem = Refused(fixture =>
        {
            fixture["inputs"]!["x"]!["shape"] = new JsonArray(1073741824);
            fixture["inputs"]!["x"]!["data"] = "";
        });

        Assert.Equal($"{Where} (case {VictimId}): inputs.x.shape [1073741824] has more than 16777216 elements: expected at most 16777216 (docs/fixtures.md, \"Limits\")", problem.Message);
    }

    [Fact]
    public void ShapeOf65536By65536_IsRefused()
    {
        FixtureFormatException problem = Refused(fixture => fixture["shape"] = new JsonArray(65536, 65536));

        Assert.Equal($"{Where} (case {VictimId}): shape [65536, 65536] has more than 16777216 elements: expected at most 16777216 (docs/fixtures.md, \"Limits\")", problem.Message);
    }

    [Fact]
    public void BoolCaseDType_IsRefused()
    {
        FixtureFormatException problem = Refused(fixture => fixture["dtype"] = "bool");

        Assert.Equal($"{Where} (case {VictimId}): dtype 'bool' is not a case dtype: expected float16, bfloat16, float32 or float64 (bool is for masks)", problem.Message);
    }

    [Fact]
    public void RankTwoMillion_IsRefusedBeforeItsShapeIsRead()
    {
        var clock = Stopwatch.StartNew();
        FixtureFormatException problem = Refused(fixture => fixture["shape"] = new JsonArray([.. Enumerable.Range(0, 2_000_000).Select(_ => (JsonNode?)1)]));

        Assert.Equal($"{Where} (case {VictimId}): 'shape' has 2000000 entries: expected at most 64 (the largest rank, docs/fixtures.md, \"Limits\")", problem.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public void AxisListLongerThanTheLargestRank_IsRefused()
    {
        FixtureFormatException problem = Refused(fixture => fixture["axis"] = new JsonArray([.. Enumerable.Range(0, 65).Select(i => (JsonNode?)i)]));

        Assert.Equal($"{Where} (case {VictimId}): 'axis' has 65 entries: expected at most 64 (the largest rank, docs/fixtures.md, \"Limits\")", problem.Message);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("1e20")]
    [InlineData("\"3\"")]
    [InlineData("null")]
    public void NonIntegerDimension_IsRefused(string dimension)
    {
        FixtureFormatException problem = Refused(fixture => fixture["shape"] = JsonNode.Parse($"[5, {dimension}]"));

        Assert.Equal($"{Where} (case {VictimId}): 'shape' holds '{dimension}': expected 32-bit integers", problem.Message);
    }

    [Fact]
    public void NegativeDimension_IsRefused()
    {
        FixtureFormatException problem = Refused(fixture => fixture["inputs"]!["x"]!["shape"] = new JsonArray(-5, 3));

        Assert.Equal($"{Where} (case {VictimId}): inputs.x.shape [-5, 3] has a negative dimension: expected dimensions >= 0", problem.Message);
    }

    [Fact]
    public void DuplicateKey_IsRefused()
    {
        string json = Encoding.UTF8.GetString(ValidCase()).Replace("\"kind\": \"forward\"", "\"kind\": \"forward\", \"kind\": \"invalid\"", StringComparison.Ordinal);

        var problem = Assert.Throws<FixtureFormatException>(() => FixtureJsonReader.Read(Encoding.UTF8.GetBytes(json), Where, requireExpectations: false));

        Assert.StartsWith($"{Where}: not valid JSON (", problem.Message, StringComparison.Ordinal);
        Assert.Contains("'kind'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SequenceStepOfAnotherShape_IsRefused()
    {
        byte[] sequence = File.ReadAllBytes(Path.Combine(FixtureLocation.Directory, FixtureLocation.Set.Manifest.Cases.First(c => c.Kind == FixtureKind.Sequence).Path));
        JsonObject fixture = JsonNode.Parse(sequence)!.AsObject();
        fixture["steps"]![0]!["x"]!["shape"] = new JsonArray(1);
        fixture["steps"]![0]!["x"]!["data"] = Convert.ToBase64String(new byte[4]);

        var problem = Assert.Throws<FixtureFormatException>(() => FixtureJsonReader.Read(Encoding.UTF8.GetBytes(fixture.ToJsonString()), Where));

        Assert.Matches(@"steps\[0\]\.x has shape \(1,\) but the case's shape is \([0-9, ]+\)$", problem.Message);
    }

    [Fact]
    public void ControlCharactersFromTheCase_StayOnOneLine()
    {
        FixtureFormatException problem = Refused(fixture =>
        {
            fixture["id"] = "evil\nid\u001b[2J";
            fixture["dtype"] = "float\r\n99";
        });

        Assert.Equal($"{Where} (case evil\\nid\\u001B[2J): dtype 'float\\r\\n99' is unknown: expected float16, bfloat16, float32, float64 or bool", problem.Message);
    }

    [Fact]
    public void AnyMutationOfACase_EndsInACaseOrOneLineFixtureFormatException()
    {
        byte[] valid = ValidCase();
        Gen.Select(JsonMutation.Edits(JsonMutation.Nodes(JsonNode.Parse(valid)!).Count), Gen.Bool).Sample((edits, requireExpectations) =>
        {
            JsonNode root = JsonMutation.Apply(valid, edits);
            try
            {
                FixtureJsonReader.Read(Encoding.UTF8.GetBytes(root.ToJsonString()), Where, requireExpectations);
            }
            catch (FixtureFormatException problem)
            {
                Assert.DoesNotContain('\n', problem.Message);
                Assert.StartsWith(Where, problem.Message, StringComparison.Ordinal);
            }
        }, iter: 2000);
    }

    private static byte[] ValidCase() => File.ReadAllBytes(Path.Combine(FixtureLocation.Directory, VictimPath));

    private static FixtureFormatException Refused(Action<JsonObject> edit)
    {
        JsonObject fixture = JsonNode.Parse(ValidCase())!.AsObject();
        edit(fixture);
        byte[] bytes = Encoding.UTF8.GetBytes(fixture.ToJsonString());
        var problem = Assert.Throws<FixtureFormatException>(() => FixtureJsonReader.Read(bytes, Where, requireExpectations: false));
        Assert.DoesNotContain('\n', problem.Message);
        return problem;
    }
}
