using System.Text;
using System.Text.Json.Nodes;

namespace BatchNormAxis.Conformance.Tests;

/// <summary>
/// The renorm layer fields (format 1.1.0): read into <see cref="BatchNormOptions.Renorm"/>, written back byte for byte,
/// and every hostile value refused with one line naming the field, whether in a case file or a run message.
/// </summary>
public class FixtureJsonRenormTests
{
    private const string Where = "run message";
    private const string VictimPath = "cases/renorm/renorm.r4.k1.train.clip-r.f32.json";
    private const string VictimId = "renorm.r4.k1.train.clip-r.f32";

    [Fact]
    public void RenormCase_ReadsItsLayerFields()
    {
        FixtureCase fixture = FixtureJsonReader.Read(File.ReadAllBytes(Path.Combine(FixtureLocation.Directory, VictimPath)), VictimPath);

        // The file says renorm_momentum 0.99, rmin 0.9, rmax 1.4 and no dmax (CaseCatalog's clip-r variant).
        Assert.Equal(new RenormOptions { Momentum = 0.99, RMin = 0.9, RMax = 1.4, DMax = null }, fixture.Options.Renorm);
        Assert.Contains("renorm", fixture.Capabilities);
        Assert.All(RenormStatistics.Names, name => Assert.Equal([5], fixture.Inputs[name].Shape));
        Assert.All(RenormStatistics.Names, name => Assert.True(fixture.Expected.ContainsKey(name), $"no expected {name}"));
    }

    [Fact]
    public void EveryCaseFile_IsWrittenBackByteForByte_AndOnlyRenormCasesSayFormat110()
    {
        foreach (ManifestEntry entry in FixtureLocation.Set.Manifest.Cases)
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(FixtureLocation.Directory, entry.Path));
            FixtureCase fixture = FixtureJsonReader.Read(bytes, entry.Path);

            Assert.True(FixtureJsonWriter.Write(fixture).AsSpan().SequenceEqual(bytes), $"{entry.Path} is not written back as it was read");
            bool renorm = entry.Capabilities.Contains("renorm");
            Assert.Equal(renorm, fixture.Options.Renorm is not null);
            Assert.Equal(renorm ? "1.1.0" : "1.0.0", FixtureFormat.VersionOf(fixture));
        }
    }

    [Fact]
    public void NonRenormCase_HasNoRenorm()
    {
        FixtureCase fixture = FixtureJsonReader.Read(File.ReadAllBytes(Path.Combine(FixtureLocation.Directory, "cases/keep/keep.r2.k1.train.f32.json")), "keep");

        Assert.Null(fixture.Options.Renorm);
    }

    [Fact]
    public void RenormFalse_IsNoRenorm_ButForbidsTheOtherFields()
    {
        FixtureCase plain = Read(fixture =>
        {
            Layer(fixture)["renorm"] = false;
            Layer(fixture).Remove("renorm_momentum");
            Layer(fixture).Remove("renorm_clipping");
            foreach (string name in RenormStatistics.Names)
            {
                fixture["inputs"]!.AsObject().Remove(name);
                fixture["expected"]!.AsObject().Remove(name);
            }
        });
        Assert.Null(plain.Options.Renorm);

        Assert.Equal(
            $"{Where} (case {VictimId}): layer.renorm_momentum is given but layer.renorm is false: expected renorm true with it, or neither",
            Refused(fixture => Layer(fixture)["renorm"] = false).Message);
    }

    [Theory]
    [InlineData("renorm", "\"yes\"", "layer.renorm holds '\"yes\"': expected true or false")]
    [InlineData("renorm", "1", "layer.renorm holds '1': expected true or false")]
    [InlineData("renorm_momentum", "\"0.99\"", "layer.renorm_momentum holds '\"0.99\"': expected a finite number")]
    [InlineData("renorm_momentum", "null", "layer.renorm_momentum holds 'null': expected a finite number")]
    [InlineData("renorm_momentum", "1e400", "layer.renorm_momentum holds '1e400': expected a finite number")]
    [InlineData("renorm_momentum", "1.5", "layer: renorm_momentum=1.5 is not usable: expected a number in [0, 1] (the weight of the old renorm statistic)")]
    [InlineData("renorm_clipping", "[0.9, 1.4]", "layer.renorm_clipping holds '[0.9,1.4]': expected an object with optional rmin, rmax, dmax")]
    [InlineData("renorm_clipping", "{\"rmid\": 1}", "layer.renorm_clipping has the key 'rmid': expected only rmin, rmax and dmax (Keras' keys)")]
    [InlineData("renorm_clipping", "{\"rmin\": \"NaN\"}", "layer.renorm_clipping.rmin holds '\"NaN\"': expected a finite number")]
    [InlineData("renorm_clipping", "{\"dmax\": -1e999}", "layer.renorm_clipping.dmax holds '-1e999': expected a finite number")]
    [InlineData("renorm_clipping", "{\"rmin\": 2, \"rmax\": 1}", "layer: renorm_clipping rmax=1 is below rmin=2: expected rmax >= rmin")]
    [InlineData("renorm_clipping", "{\"dmax\": -0.5}", "layer: renorm_clipping dmax=-0.5 is negative: expected dmax >= 0")]
    public void HostileRenormField_IsRefusedInOneLineNamingIt(string field, string json, string problem)
    {
        FixtureFormatException exception = Refused(fixture => Layer(fixture)[field] = JsonNode.Parse(json));

        Assert.Equal($"{Where} (case {VictimId}): {problem}", exception.Message);
    }

    [Fact]
    public void MissingRenormFieldsOrStatistics_AreRefused()
    {
        Assert.Equal($"{Where} (case {VictimId}): 'renorm_clipping' is missing", Refused(fixture => Layer(fixture).Remove("renorm_clipping")).Message);
        Assert.Equal($"{Where} (case {VictimId}): 'renorm_momentum' is missing", Refused(fixture => Layer(fixture).Remove("renorm_momentum")).Message);
        Assert.Equal(
            $"{Where} (case {VictimId}): inputs.renorm_stddev is missing: expected it with layer.renorm true",
            Refused(fixture => fixture["inputs"]!.AsObject().Remove("renorm_stddev")).Message);
    }

    [Fact]
    public void MissingRenormExpectation_IsRefused()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(FixtureLocation.Directory, VictimPath));
        JsonObject fixture = JsonNode.Parse(bytes)!.AsObject();
        fixture["expected"]!.AsObject().Remove("renorm_mean");

        var exception = Assert.Throws<FixtureFormatException>(() => FixtureJsonReader.Read(Encoding.UTF8.GetBytes(fixture.ToJsonString()), VictimPath));

        Assert.Equal($"{VictimPath} (case {VictimId}): expected.renorm_mean is missing: expected it with layer.renorm true", exception.Message);
    }

    [Fact]
    public void RenormStatistics_WithoutRenorm_AreRefused()
    {
        FixtureFormatException exception = Refused(fixture =>
        {
            Layer(fixture).Remove("renorm");
            Layer(fixture).Remove("renorm_momentum");
            Layer(fixture).Remove("renorm_clipping");
        });

        Assert.Equal($"{Where} (case {VictimId}): inputs.moving_stddev is given but the layer does not renormalize: expected it only with layer.renorm true", exception.Message);
    }

    [Theory]
    [InlineData("{\"rmid\": 1}", "/layer/renorm_clipping/rmid")]
    [InlineData("{\"dmax\": -1}", "/layer/renorm_clipping/dmax")]
    [InlineData("\"none\"", "/layer/renorm_clipping")]
    public void RenormClipping_BreakingTheSchema_IsRefusedByIt_NamingWhere(string clipping, string where)
    {
        JsonObject fixture = Victim();
        using (var valid = System.Text.Json.JsonDocument.Parse(fixture.ToJsonString()))
        {
            BuiltInSchemas.Validate(FixtureSchemas.FileNameFor(FixtureKind.Forward), valid.RootElement, VictimPath, VictimId);
        }

        Layer(fixture)["renorm_clipping"] = JsonNode.Parse(clipping);
        using var document = System.Text.Json.JsonDocument.Parse(fixture.ToJsonString());

        var exception = Assert.Throws<FixtureFormatException>(() => BuiltInSchemas.Validate(FixtureSchemas.FileNameFor(FixtureKind.Forward), document.RootElement, VictimPath, VictimId));

        // Not the axis, whose oneOf holds although one of its branches does not match.
        Assert.True(exception.Message.StartsWith($"{VictimPath} (case {VictimId}): schema violation at '{where}'", StringComparison.Ordinal), exception.Message);
    }

    [Fact]
    public void RenormTrueWithoutItsFields_IsRefusedByTheSchema_NamingTheLayer()
    {
        JsonObject fixture = Victim();
        Layer(fixture).Remove("renorm_momentum");
        using var document = System.Text.Json.JsonDocument.Parse(fixture.ToJsonString());

        var exception = Assert.Throws<FixtureFormatException>(() => BuiltInSchemas.Validate(FixtureSchemas.FileNameFor(FixtureKind.Forward), document.RootElement, VictimPath, VictimId));

        Assert.StartsWith($"{VictimPath} (case {VictimId}): schema violation at '/layer'", exception.Message, StringComparison.Ordinal);
    }

    private static JsonObject Victim() => JsonNode.Parse(File.ReadAllBytes(Path.Combine(FixtureLocation.Directory, VictimPath)))!.AsObject();

    private static JsonObject Layer(JsonObject fixture) => fixture["layer"]!.AsObject();

    private static FixtureCase Read(Action<JsonObject> edit)
    {
        JsonObject fixture = Victim();
        edit(fixture);
        return FixtureJsonReader.Read(Encoding.UTF8.GetBytes(fixture.ToJsonString()), Where, requireExpectations: false);
    }

    private static FixtureFormatException Refused(Action<JsonObject> edit)
    {
        var problem = Assert.Throws<FixtureFormatException>(() => Read(edit));
        Assert.DoesNotContain('\n', problem.Message);
        return problem;
    }
}
