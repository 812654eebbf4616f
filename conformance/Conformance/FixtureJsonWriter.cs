using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BatchNormAxis.Conformance;

/// <summary>
/// Writes cases as JSON, byte for byte the same for the same case: fixed key order, two-space indentation, LF line
/// ends, tensors as base64 of little-endian bytes (the authority) plus readable decimals for small tensors.
/// </summary>
public static class FixtureJsonWriter
{
    private static readonly JsonWriterOptions s_options = new()
    {
        Indented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Serializes one case.</summary>
    /// <param name="fixture">The case.</param>
    /// <returns>UTF-8 JSON ending in a newline.</returns>
    public static byte[] Write(FixtureCase fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, s_options))
        {
            json.WriteStartObject();
            json.WriteString("format_version", FixtureFormat.VersionOf(fixture));
            json.WriteString("id", fixture.Id);
            json.WriteString("kind", KindName(fixture.Kind));
            json.WriteString("title", fixture.Title);
            json.WriteString("mode", fixture.Mode);
            json.WriteString("dtype", DTypes.Name(fixture.DType));
            WriteIntegers(json, "shape", fixture.Shape);
            WriteAxis(json, "axis", fixture.Axis);
            if (fixture.Kind != FixtureKind.Invalid || !fixture.KeptAxes.IsEmpty)
            {
                WriteIntegers(json, "kept_axes", fixture.KeptAxes);
            }

            json.WriteStartObject("layer");
            WriteNumber(json, "momentum", fixture.Options.Momentum);
            WriteNumber(json, "epsilon", fixture.Options.Epsilon);
            json.WriteBoolean("center", fixture.Options.Center);
            json.WriteBoolean("scale", fixture.Options.Scale);
            json.WriteBoolean("trainable", fixture.Options.Trainable);
            if (fixture.Options.Renorm is { } renorm)
            {
                WriteRenorm(json, renorm);
            }

            json.WriteEndObject();
            json.WriteBoolean("training", fixture.Training);
            json.WriteStartArray("capabilities");
            foreach (string capability in fixture.Capabilities)
            {
                json.WriteStringValue(capability);
            }

            json.WriteEndArray();

            json.WriteStartObject("inputs");
            foreach ((string name, FixtureTensor tensor) in fixture.Inputs)
            {
                json.WritePropertyName(name);
                WriteTensor(json, tensor);
            }

            json.WriteEndObject();

            switch (fixture.Kind)
            {
                case FixtureKind.Forward:
                case FixtureKind.Backward:
                    WriteExpectedOutputs(json, fixture.Expected);
                    break;
                case FixtureKind.Sequence:
                    json.WriteStartArray("steps");
                    foreach (FixtureStep step in fixture.Steps)
                    {
                        json.WriteStartObject();
                        json.WriteBoolean("training", step.Training);
                        json.WritePropertyName("x");
                        WriteTensor(json, step.X);
                        WriteExpectedOutputs(json, step.Expected);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                    break;
                case FixtureKind.Invalid:
                    json.WriteString("error", fixture.ExpectedError);
                    break;
            }

            json.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The name of a kind in files: <c>forward</c>, <c>backward</c>, <c>sequence</c>, <c>invalid</c>.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The lower-case name.</returns>
    public static string KindName(FixtureKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Writes an axis as spelled: a number, or an array for the list spelling.</summary>
    /// <param name="json">The writer.</param>
    /// <param name="name">The property name.</param>
    /// <param name="axis">The axis.</param>
    public static void WriteAxis(Utf8JsonWriter json, string name, AxisSpec axis)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(axis);
        if (axis.IsList)
        {
            WriteIntegers(json, name, axis.Values);
        }
        else
        {
            json.WriteNumber(name, axis.Values[0]);
        }
    }

    /// <summary>Writes an array of integers.</summary>
    /// <param name="json">The writer.</param>
    /// <param name="name">The property name.</param>
    /// <param name="values">The integers.</param>
    public static void WriteIntegers(Utf8JsonWriter json, string name, ImmutableArray<int> values)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WritePropertyName(name);
        json.WriteRawValue("[" + string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]", skipInputValidation: false);
    }

    /// <summary>Keras' own argument names; a clip that is not set is left out (Keras: a missing key).</summary>
    private static void WriteRenorm(Utf8JsonWriter json, RenormOptions renorm)
    {
        json.WriteBoolean("renorm", true);
        WriteNumber(json, "renorm_momentum", renorm.Momentum);
        json.WriteStartObject("renorm_clipping");
        foreach ((string name, double? value) in new[] { ("rmin", renorm.RMin), ("rmax", renorm.RMax), ("dmax", renorm.DMax) })
        {
            if (value is double clip)
            {
                WriteNumber(json, name, clip);
            }
        }

        json.WriteEndObject();
    }

    private static void WriteExpectedOutputs(Utf8JsonWriter json, ImmutableSortedDictionary<string, ExpectedTensor> outputs)
    {
        json.WriteStartObject("expected");
        foreach ((string name, ExpectedTensor tensor) in outputs)
        {
            json.WriteStartObject(name);
            json.WriteString("dtype", DTypes.Name(tensor.DType));
            WriteIntegers(json, "shape", tensor.Shape);
            json.WriteString("data", Convert.ToBase64String(DTypes.Encode(tensor.DType, tensor.Expected)));
            json.WriteString("reference", Convert.ToBase64String(DTypes.Encode(FixtureDType.Float64, tensor.Reference)));
            json.WriteString("tolerance", Convert.ToBase64String(DTypes.Encode(FixtureDType.Float64, tensor.Tolerance)));
            WriteReadableValues(json, tensor.DType, tensor.Expected);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static void WriteTensor(Utf8JsonWriter json, FixtureTensor tensor)
    {
        json.WriteStartObject();
        json.WriteString("dtype", DTypes.Name(tensor.DType));
        WriteIntegers(json, "shape", tensor.Shape);
        json.WriteString("data", Convert.ToBase64String(DTypes.Encode(tensor.DType, tensor.Values)));
        WriteReadableValues(json, tensor.DType, tensor.Values);
        json.WriteEndObject();
    }

    /// <summary>Decimals for people reading the file; never authoritative. Non-finite values are strings.</summary>
    private static void WriteReadableValues(Utf8JsonWriter json, FixtureDType dtype, double[] values)
    {
        if (values.Length > FixtureFormat.ReadableValuesLimit)
        {
            return;
        }

        // One line: [1.5, -0.25, "nan"].
        var items = new List<string>(values.Length);
        foreach (double value in values)
        {
            if (double.IsNaN(value))
            {
                items.Add("\"nan\"");
            }
            else if (double.IsInfinity(value))
            {
                items.Add(value > 0 ? "\"inf\"" : "\"-inf\"");
            }
            else if (dtype == FixtureDType.Bool)
            {
                items.Add(value != 0 ? "true" : "false");
            }
            else
            {
                // The shortest decimal that reads back as the same value of the dtype.
                string text = dtype switch
                {
                    FixtureDType.Float64 => value.ToString("R", CultureInfo.InvariantCulture),
                    FixtureDType.Float16 => ((Half)value).ToString(CultureInfo.InvariantCulture),
                    _ => ((float)value).ToString("R", CultureInfo.InvariantCulture),
                };
                items.Add(NormalizeNumber(text));
            }
        }

        json.WritePropertyName("values");
        json.WriteRawValue("[" + string.Join(", ", items) + "]", skipInputValidation: false);
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        json.WritePropertyName(name);
        json.WriteRawValue(NormalizeNumber(value.ToString("R", CultureInfo.InvariantCulture)), skipInputValidation: false);
    }

    /// <summary>.NET writes exponents as 1E-05; NumPy and most JSON writers use the lower-case e.</summary>
    private static string NormalizeNumber(string text) => text.Replace("E", "e", StringComparison.Ordinal);
}
