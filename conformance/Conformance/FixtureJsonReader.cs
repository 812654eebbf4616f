using System.Collections.Immutable;
using System.Text.Json;

namespace BatchNormAxis.Conformance;

/// <summary>
/// Reads one case file into a <see cref="FixtureCase"/>. Structure is checked by the JSON Schema first
/// (<see cref="FixtureSet"/>); this reader checks what a schema cannot: base64 that decodes to exactly one value
/// per element, shapes that agree, an axis that resolves to the recorded kept axes. It also reads the cases of
/// <c>bnaxis serve</c>'s run messages, which no schema checked, so it trusts nothing: every shape is bounded by
/// <see cref="FixtureLimits.MaxRank"/> and <see cref="FixtureLimits.MaxElements"/> before anything is allocated
/// for it, and any malformed input ends in a one-line <see cref="FixtureFormatException"/>.
/// </summary>
public static class FixtureJsonReader
{
    /// <summary>Parses and checks one case.</summary>
    /// <param name="json">The file's bytes.</param>
    /// <param name="path">The file's path, for messages.</param>
    /// <returns>The case.</returns>
    /// <exception cref="FixtureFormatException">The file is not a well-formed, self-consistent case.</exception>
    public static FixtureCase Read(ReadOnlySpan<byte> json, string path) => Read(json, path, requireExpectations: true);

    /// <summary>Parses and checks one case; a case received by a harness has no expectations.</summary>
    /// <param name="json">The case's bytes.</param>
    /// <param name="path">Where it came from, for messages.</param>
    /// <param name="requireExpectations">False for a case as the protocol sends it: expected outputs and errors removed.</param>
    /// <returns>The case.</returns>
    /// <exception cref="FixtureFormatException">
    /// The JSON is not a well-formed, self-consistent case within <see cref="FixtureLimits"/> (this is the only
    /// exception thrown for any input).
    /// </exception>
    public static FixtureCase Read(ReadOnlySpan<byte> json, string path, bool requireExpectations)
    {
        using (JsonDocument document = Parse(json.ToArray(), path, null))
        {
            JsonElement root = document.RootElement;
            string? id = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out JsonElement idElement) && idElement.ValueKind == JsonValueKind.String
                ? idElement.GetString()
                : null;
            var context = new Context(path, id);
            try
            {
                return ReadCase(root, context, requireExpectations);
            }
            catch (Exception exception) when (exception is InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException)
            {
                throw context.Fail($"malformed case ({exception.Message})");
            }
        }
    }

    /// <summary>Parses JSON, refusing duplicate keys (two values for one name would make the file ambiguous).</summary>
    /// <param name="bytes">The JSON.</param>
    /// <param name="path">Where it came from, for messages.</param>
    /// <param name="id">The case, for messages.</param>
    /// <returns>The document.</returns>
    /// <exception cref="FixtureFormatException">The bytes are not valid JSON, or repeat a key.</exception>
    internal static JsonDocument Parse(ReadOnlyMemory<byte> bytes, string path, string? id)
    {
        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException exception)
        {
            throw new FixtureFormatException(path, id, $"not valid JSON ({exception.Message})");
        }
    }

    private static FixtureCase ReadCase(JsonElement root, Context context, bool requireExpectations)
    {
        string formatVersion = context.RequireString(root, "format_version");
        if (formatVersion.Split('.')[0] != FixtureFormat.Version.Split('.')[0])
        {
            throw context.Fail($"format_version {OneLine.Quote(formatVersion)} is not readable by this reader: expected {FixtureFormat.Version.Split('.')[0]}.x");
        }

        FixtureKind kind = context.RequireString(root, "kind") switch
        {
            "forward" => FixtureKind.Forward,
            "backward" => FixtureKind.Backward,
            "sequence" => FixtureKind.Sequence,
            "invalid" => FixtureKind.Invalid,
            string other => throw context.Fail($"kind {OneLine.Quote(other)} is unknown: expected forward, backward, sequence or invalid"),
        };
        FixtureDType dtype = context.RequireDType(root, "dtype");
        if (dtype == FixtureDType.Bool)
        {
            throw context.Fail("dtype 'bool' is not a case dtype: expected float16, bfloat16, float32 or float64 (bool is for masks)");
        }

        ImmutableArray<int> shape = context.RequireIntegers(root, "shape");
        ElementCount(shape, context, "shape");
        JsonElement axisElement = context.Require(root, "axis");
        AxisSpec axis = axisElement.ValueKind == JsonValueKind.Array
            ? AxisSpec.List([.. context.RequireIntegers(root, "axis")])
            : AxisSpec.Of(context.RequireInteger(axisElement, "axis"));
        ImmutableArray<int> keptAxes = root.TryGetProperty("kept_axes", out _) ? context.RequireIntegers(root, "kept_axes")
            : requireExpectations ? [] : KeptAxesIfResolvable(shape, axis);

        JsonElement layer = context.Require(root, "layer");
        var options = new BatchNormOptions
        {
            Momentum = context.Require(layer, "momentum").GetDouble(),
            Epsilon = context.Require(layer, "epsilon").GetDouble(),
            Center = context.Require(layer, "center").GetBoolean(),
            Scale = context.Require(layer, "scale").GetBoolean(),
            Trainable = context.Require(layer, "trainable").GetBoolean(),
            Renorm = ReadRenorm(layer, context),
        };

        var inputs = ImmutableSortedDictionary.CreateBuilder<string, FixtureTensor>(StringComparer.Ordinal);
        foreach (JsonProperty input in context.Require(root, "inputs").EnumerateObject())
        {
            inputs[input.Name] = ReadTensor(input.Value, context, $"inputs.{input.Name}");
        }

        var fixture = new FixtureCase
        {
            Id = context.RequireString(root, "id"),
            Kind = kind,
            Title = context.RequireString(root, "title"),
            DType = dtype,
            Shape = shape,
            Axis = axis,
            KeptAxes = keptAxes,
            Options = options,
            Training = context.Require(root, "training").GetBoolean(),
            Capabilities = [.. context.Require(root, "capabilities").EnumerateArray().Select(e => e.GetString()!)],
            Inputs = inputs.ToImmutable(),
            Expected = kind is FixtureKind.Forward or FixtureKind.Backward && (requireExpectations || root.TryGetProperty("expected", out _))
                ? ReadExpectedOutputs(context.Require(root, "expected"), context, "expected")
                : ImmutableSortedDictionary<string, ExpectedTensor>.Empty,
            Steps = kind == FixtureKind.Sequence
                ? [.. context.Require(root, "steps").EnumerateArray().Select((step, i) => new FixtureStep(
                    context.Require(step, "training").GetBoolean(),
                    ReadTensor(context.Require(step, "x"), context, $"steps[{i}].x"),
                    requireExpectations || step.TryGetProperty("expected", out _)
                        ? ReadExpectedOutputs(context.Require(step, "expected"), context, $"steps[{i}].expected")
                        : ImmutableSortedDictionary<string, ExpectedTensor>.Empty))]
                : [],
            ExpectedError = kind == FixtureKind.Invalid && (requireExpectations || root.TryGetProperty("error", out _)) ? context.RequireString(root, "error") : null,
        };

        CheckConsistency(fixture, context, requireExpectations);
        return fixture;
    }

    /// <summary>
    /// The layer's batch renormalization (docs/fixtures.md, "Renormalization"): null when <c>renorm</c> is absent or
    /// false, which then allows no other renorm field. Every value is checked here, not only by the schema, because
    /// run messages arrive unchecked.
    /// </summary>
    private static RenormOptions? ReadRenorm(JsonElement layer, Context context)
    {
        JsonElement? renorm = layer.TryGetProperty("renorm", out JsonElement flag) ? flag : null;
        if (renorm is { ValueKind: not (JsonValueKind.True or JsonValueKind.False) })
        {
            throw context.Fail($"layer.renorm holds {OneLine.Quote(renorm.Value.GetRawText())}: expected true or false");
        }

        if (renorm is not { ValueKind: JsonValueKind.True })
        {
            foreach (string field in new[] { "renorm_momentum", "renorm_clipping" })
            {
                if (layer.TryGetProperty(field, out _))
                {
                    throw context.Fail($"layer.{field} is given but layer.renorm is {(renorm is null ? "absent" : "false")}: expected renorm true with it, or neither");
                }
            }

            return null;
        }

        JsonElement clipping = context.Require(layer, "renorm_clipping");
        if (clipping.ValueKind != JsonValueKind.Object)
        {
            throw context.Fail($"layer.renorm_clipping holds {OneLine.Quote(clipping.GetRawText())}: expected an object with optional rmin, rmax, dmax");
        }

        foreach (JsonProperty key in clipping.EnumerateObject())
        {
            if (key.Name is not ("rmin" or "rmax" or "dmax"))
            {
                throw context.Fail($"layer.renorm_clipping has the key {OneLine.Quote(key.Name)}: expected only rmin, rmax and dmax (Keras' keys)");
            }
        }

        var options = new RenormOptions
        {
            Momentum = RenormNumber(context.Require(layer, "renorm_momentum"), "renorm_momentum", context),
            RMin = clipping.TryGetProperty("rmin", out JsonElement rmin) ? RenormNumber(rmin, "renorm_clipping.rmin", context) : null,
            RMax = clipping.TryGetProperty("rmax", out JsonElement rmax) ? RenormNumber(rmax, "renorm_clipping.rmax", context) : null,
            DMax = clipping.TryGetProperty("dmax", out JsonElement dmax) ? RenormNumber(dmax, "renorm_clipping.dmax", context) : null,
        };
        try
        {
            options.Validate();
        }
        catch (BatchNormArgumentException exception)
        {
            throw context.Fail($"layer: {exception.Message}");
        }

        return options;
    }

    /// <summary>A finite JSON number (a number beyond the double range does not read as one).</summary>
    private static double RenormNumber(JsonElement value, string field, Context context) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double number) && double.IsFinite(number)
            ? number
            : throw context.Fail($"layer.{field} holds {OneLine.Quote(value.GetRawText())}: expected a finite number");

    /// <summary>The axes <paramref name="axis"/> keeps on <paramref name="shape"/>, or none when it does not resolve (a run message may leave kept_axes out).</summary>
    private static ImmutableArray<int> KeptAxesIfResolvable(ImmutableArray<int> shape, AxisSpec axis)
    {
        try
        {
            return AxisResolution.Resolve(shape.AsSpan(), axis).KeptAxes;
        }
        catch (BatchNormArgumentException)
        {
            return [];
        }
    }

    /// <summary>
    /// What a schema cannot say: the axis resolves as recorded, and x has the case's shape. A run message
    /// (<paramref name="caseFile"/> false) sends an invalid case as a forward one without <c>kept_axes</c>: whether
    /// its axis resolves is for the implementation to find out, so it is checked only against <c>kept_axes</c> given.
    /// </summary>
    private static void CheckConsistency(FixtureCase fixture, Context context, bool caseFile)
    {
        if (fixture.Kind != FixtureKind.Invalid && (caseFile || !fixture.KeptAxes.IsEmpty))
        {
            AxisResolution resolution;
            try
            {
                resolution = AxisResolution.Resolve(fixture.Shape.AsSpan(), fixture.Axis);
            }
            catch (BatchNormArgumentException exception)
            {
                throw context.Fail($"the axis does not resolve: {exception.Message}");
            }

            if (!resolution.KeptAxes.SequenceEqual(fixture.KeptAxes))
            {
                throw context.Fail($"kept_axes {ShapeText.List(fixture.KeptAxes.AsSpan())} disagree with axis={fixture.Axis} on shape {ShapeText.Tuple(fixture.Shape.AsSpan())}, which keeps {ShapeText.List(resolution.KeptAxes.AsSpan())}");
            }
        }

        if (fixture.Kind != FixtureKind.Sequence)
        {
            if (!fixture.Inputs.TryGetValue("x", out FixtureTensor? x))
            {
                throw context.Fail("inputs.x is missing");
            }

            if (!x.Shape.SequenceEqual(fixture.Shape))
            {
                throw context.Fail($"inputs.x has shape {ShapeText.Tuple(x.Shape.AsSpan())} but the case's shape is {ShapeText.Tuple(fixture.Shape.AsSpan())}");
            }
        }

        if (fixture.Kind != FixtureKind.Invalid)
        {
            // A renormalizing layer carries three more statistics; a layer without renorm has none of them.
            CheckRenormStatistics(fixture, fixture.Inputs.ContainsKey, "inputs", context);
            if (fixture.Kind == FixtureKind.Forward && !fixture.Expected.IsEmpty)
            {
                CheckRenormStatistics(fixture, fixture.Expected.ContainsKey, "expected", context);
            }

            for (int i = 0; i < fixture.Steps.Length; i++)
            {
                if (!fixture.Steps[i].Expected.IsEmpty)
                {
                    CheckRenormStatistics(fixture, fixture.Steps[i].Expected.ContainsKey, $"steps[{i}].expected", context);
                }
            }
        }

        for (int i = 0; i < fixture.Steps.Length; i++)
        {
            if (!fixture.Steps[i].X.Shape.SequenceEqual(fixture.Shape))
            {
                throw context.Fail($"steps[{i}].x has shape {ShapeText.Tuple(fixture.Steps[i].X.Shape.AsSpan())} but the case's shape is {ShapeText.Tuple(fixture.Shape.AsSpan())}");
            }
        }
    }

    /// <summary>The renorm statistics are in <paramref name="where"/> exactly when the layer renormalizes.</summary>
    private static void CheckRenormStatistics(FixtureCase fixture, Func<string, bool> has, string where, Context context)
    {
        foreach (string name in RenormStatistics.Names)
        {
            bool present = has(name);
            if (present != (fixture.Options.Renorm is not null))
            {
                throw context.Fail(present
                    ? $"{where}.{name} is given but the layer does not renormalize: expected it only with layer.renorm true"
                    : $"{where}.{name} is missing: expected it with layer.renorm true");
            }
        }
    }

    private static ImmutableSortedDictionary<string, ExpectedTensor> ReadExpectedOutputs(JsonElement element, Context context, string where)
    {
        var outputs = ImmutableSortedDictionary.CreateBuilder<string, ExpectedTensor>(StringComparer.Ordinal);
        foreach (JsonProperty output in element.EnumerateObject())
        {
            string name = $"{where}.{output.Name}";
            FixtureDType dtype = context.RequireDType(output.Value, "dtype");
            ImmutableArray<int> shape = context.RequireIntegers(output.Value, "shape");
            int count = ElementCount(shape, context, $"{name}.shape");
            double[] expected = DecodeData(output.Value, "data", dtype, count, context, name);
            double[] reference = DecodeData(output.Value, "reference", FixtureDType.Float64, count, context, name);
            double[] tolerance = DecodeData(output.Value, "tolerance", FixtureDType.Float64, count, context, name);
            if (tolerance.Any(t => !(t >= 0) || double.IsInfinity(t)))
            {
                throw context.Fail($"{name}.tolerance holds a negative, NaN or infinite bound: expected finite bounds >= 0");
            }

            outputs[output.Name] = new ExpectedTensor(dtype, shape, expected, reference, tolerance);
        }

        return outputs.ToImmutable();
    }

    private static FixtureTensor ReadTensor(JsonElement element, Context context, string name)
    {
        FixtureDType dtype = context.RequireDType(element, "dtype");
        ImmutableArray<int> shape = context.RequireIntegers(element, "shape");
        return new FixtureTensor(dtype, shape, DecodeData(element, "data", dtype, ElementCount(shape, context, $"{name}.shape"), context, name));
    }

    private static double[] DecodeData(JsonElement element, string property, FixtureDType dtype, int count, Context context, string name)
    {
        string text = context.RequireString(element, property);
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw context.Fail($"{name}.{property} is not valid base64");
        }

        // count <= MaxElements = 2^24 and ItemSize <= 8: the product fits in an int.
        int expectedBytes = count * DTypes.ItemSize(dtype);
        if (bytes.Length != expectedBytes)
        {
            throw context.Fail($"{name}.{property} holds {bytes.Length} bytes: expected {expectedBytes} ({count} {DTypes.Name(dtype)} values)");
        }

        return DTypes.Decode(dtype, bytes);
    }

    /// <summary>
    /// The product of the dimensions, refused beyond <see cref="FixtureLimits.MaxElements"/> before anything is
    /// allocated: a shape such as [1073741824] or [65536, 65536] must not overflow into a small count.
    /// </summary>
    private static int ElementCount(ImmutableArray<int> shape, Context context, string name)
    {
        if (shape.Any(d => d < 0))
        {
            throw context.Fail($"{name} {ShapeText.List(shape.AsSpan())} has a negative dimension: expected dimensions >= 0");
        }

        if (shape.Contains(0))
        {
            return 0;
        }

        // Each dimension is below 2^31 and the product is checked after every step, so it stays below 2^55.
        long count = 1;
        foreach (int dimension in shape)
        {
            count *= dimension;
            if (count > FixtureLimits.MaxElements)
            {
                throw context.Fail($"{name} {ShapeText.List(shape.AsSpan())} has more than {FixtureLimits.MaxElements} elements: expected at most {FixtureLimits.MaxElements} (docs/fixtures.md, \"Limits\")");
            }
        }

        return (int)count;
    }

    /// <summary>The file and case being read, for one-line messages.</summary>
    private sealed class Context(string path, string? caseId)
    {
        public FixtureFormatException Fail(string problem) => new(path, caseId, problem);

        public JsonElement Require(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value)
                ? value
                : throw Fail($"'{name}' is missing");

        public string RequireString(JsonElement element, string name)
        {
            JsonElement value = Require(element, name);
            return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Fail($"'{name}' must be a string");
        }

        public FixtureDType RequireDType(JsonElement element, string name)
        {
            string text = RequireString(element, name);
            return DTypes.TryParse(text, out FixtureDType dtype)
                ? dtype
                : throw Fail($"dtype {OneLine.Quote(text)} is unknown: expected float16, bfloat16, float32, float64 or bool");
        }

        /// <summary>An array of at most <see cref="FixtureLimits.MaxRank"/> 32-bit integers (a shape or an axis list).</summary>
        public ImmutableArray<int> RequireIntegers(JsonElement element, string name)
        {
            JsonElement value = Require(element, name);
            if (value.ValueKind != JsonValueKind.Array)
            {
                throw Fail($"'{name}' must be an array of integers");
            }

            int length = value.GetArrayLength();
            return length <= FixtureLimits.MaxRank
                ? [.. value.EnumerateArray().Select(e => RequireInteger(e, name))]
                : throw Fail($"'{name}' has {length} entries: expected at most {FixtureLimits.MaxRank} (the largest rank, docs/fixtures.md, \"Limits\")");
        }

        public int RequireInteger(JsonElement value, string name) =>
            value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int integer)
                ? integer
                : throw Fail($"'{name}' holds {OneLine.Quote(value.GetRawText())}: expected 32-bit integers");
    }
}
