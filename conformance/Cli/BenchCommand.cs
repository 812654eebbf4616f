using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace BatchNormAxis.Cli;

/// <summary>
/// <c>bnaxis bench</c>: times one operation of a built-in implementation on one shape, as a whole process sees it
/// (median of repeated calls after warm-up), with its bandwidth and the fraction of this machine's measured copy
/// bandwidth it reaches. BenchmarkDotNet numbers are in reference/BatchNormAxis.Benchmarks.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        Option<string> implOption = new("--impl") { Description = "fast (default) or scalar (the plain reference).", HelpName = BuiltInImplementations.HelpName, DefaultValueFactory = _ => BuiltInImplementations.Default };
        Option<string> shapeOption = new("--shape") { Description = "Input shape, e.g. 32,56,56,64; at most 64 dimensions, and small enough that the bench fits in memory (docs/cli.md).", HelpName = "SHAPE", Required = true };
        Option<string> axisOption = new("--axis") { Description = "Keras axis, e.g. -1 or 1,2,3.", HelpName = "AXIS", DefaultValueFactory = _ => "-1" };
        Option<string> modeOption = new("--mode") { Description = "train (a training forward), infer (an inference forward) or backward.", HelpName = "train|infer|backward", DefaultValueFactory = _ => "train" };
        Option<int> threadsOption = new("--threads") { Description = $"Threads for the fast implementation, 1 to {BuiltInImplementations.MaxThreads} (results are bit-identical for every count); the copy probe uses as many. The scalar reference takes 1.", HelpName = "N", DefaultValueFactory = _ => 1 };
        Option<int> repeatOption = new("--repeat") { Description = $"Timed calls after the warm-up (60 calls or 2 s, whichever comes first), 1 to {MaxRepeat}; the median is reported.", HelpName = "N", DefaultValueFactory = _ => 10 };
        Option<string> dtypeOption = new("--dtype") { Description = "float32 (default) or float64.", HelpName = "float32|float64", DefaultValueFactory = _ => "float32" };
        Option<string> maskOption = new("--mask") { Description = "Train with a Keras 3 mask keeping this share of the positions (0 to 1, chosen at random with a fixed seed); train mode only.", HelpName = "SHARE" };
        Option<bool> jsonOption = new("--json") { Description = "Print one JSON object." };
        Command command = new("bench", "Time a training forward, inference forward or backward call on float32 or float64 data: median time, GB/s of x read, and the fraction of this machine's copy bandwidth (the roofline: training reads x twice and writes y once, inference reads once and writes once, backward reads x and dy twice and writes dx).")
        {
            implOption, shapeOption, axisOption, modeOption, threadsOption, repeatOption, dtypeOption, maskOption, jsonOption,
        };
        command.SetAction(parseResult =>
        {
            int threads = parseResult.GetValue(threadsOption);
            IBatchNormalization implementation = BuiltInImplementations.Get(parseResult.GetValue(implOption)!, threads);
            AxisResolution layout = AxisResolution.Resolve(CommandLineValues.ParseShape(parseResult.GetValue(shapeOption)!), CommandLineValues.ParseAxis(parseResult.GetValue(axisOption)!));
            string mode = parseResult.GetValue(modeOption)!;
            int repeat = parseResult.GetValue(repeatOption);
            if (mode is not ("train" or "infer" or "backward"))
            {
                throw new CommandLineValueException($"--mode '{CommandLineValues.Echo(mode)}' is unknown: expected train, infer or backward");
            }

            if (repeat < 1 || repeat > MaxRepeat)
            {
                throw new CommandLineValueException($"--repeat {repeat} is not usable: expected 1 to {MaxRepeat}");
            }

            string dtype = parseResult.GetValue(dtypeOption)!;
            if (dtype is not ("float32" or "float64"))
            {
                throw new CommandLineValueException($"--dtype '{CommandLineValues.Echo(dtype)}' is unknown: expected float32 or float64");
            }

            int elementBytes = dtype == "float64" ? sizeof(double) : sizeof(float);
            double? maskShare = ParseMaskShare(parseResult.GetValue(maskOption), mode);

            // Every refusal comes before the first allocation and the first timed call.
            long needed = BenchMemory.Estimate(layout, mode, implementation, elementBytes);
            long available = BenchMemory.Available();
            BenchMemory.RequireFits(layout, needed, available);

            double copyBytesPerSecond;
            double seconds;
            try
            {
                error.WriteLine($"Measuring copy bandwidth (400 MB, {threads} thread{(threads == 1 ? "" : "s")})...");
                copyBytesPerSecond = CopyBandwidth(threads);
                error.WriteLine($"Timing {implementation.Name} {mode} on {dtype} {ShapeText.Tuple(layout.Shape.AsSpan())} axis={layout.Axis}{(maskShare is null ? "" : " with a mask")}...");
                seconds = dtype == "float64" ? Time<double>(implementation, layout, mode, repeat, maskShare) : Time<float>(implementation, layout, mode, repeat, maskShare);
            }
            catch (OutOfMemoryException)
            {
                // The last resort when the estimate was too kind (other processes took the memory meanwhile).
                throw BenchMemory.DoesNotFit(layout, needed, available);
            }

            // Bytes the operation must move at least, in units of x's size, and a mask's one byte per position, read once.
            double passes = mode switch { "train" => 3, "infer" => 2, _ => 5 };
            double bytesOfX = layout.ElementCount * (double)elementBytes;
            double maskBytes = maskShare is null ? 0 : layout.ElementCount / layout.Shape[^1];
            double rooflineSeconds = ((passes * bytesOfX) + maskBytes) / copyBytesPerSecond;
            var result = new JsonObject
            {
                ["impl"] = implementation.Name,
                ["mode"] = mode,
                ["shape"] = new JsonArray([.. layout.Shape.Select(d => (JsonNode)d)]),
                ["axis"] = layout.Axis.ToString(),
                ["threads"] = threads,
                ["dtype"] = dtype,
                ["mask_share"] = maskShare,
                ["median_ms"] = Math.Round(seconds * 1000, 3),
                ["input_gb_per_s"] = Math.Round(bytesOfX / seconds / 1e9, 2),
                ["copy_gb_per_s"] = Math.Round(copyBytesPerSecond / 1e9, 2),
                ["roofline_ms"] = Math.Round(rooflineSeconds * 1000, 3),
                ["fraction_of_roofline"] = Math.Round(rooflineSeconds / seconds, 3),
            };
            output.WriteLine(parseResult.GetValue(jsonOption)
                ? result.ToJsonString()
                : string.Create(CultureInfo.InvariantCulture, $"{implementation.Name} {mode} {dtype} {ShapeText.Tuple(layout.Shape.AsSpan())} axis={layout.Axis}{(maskShare is { } share ? $" mask keeping {share:G4}" : "")}: {seconds * 1000:G4} ms median of {repeat}, {bytesOfX / seconds / 1e9:F2} GB/s of x, roofline {rooflineSeconds * 1000:G4} ms ({passes} × x{(maskShare is null ? "" : " and the mask")} at the measured copy bandwidth {copyBytesPerSecond / 1e9:F2} GB/s): {rooflineSeconds / seconds:P0} of the roofline"));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The share of positions a <c>--mask</c> keeps, or null without one; refused outside 0 to 1 or with another mode.</summary>
    private static double? ParseMaskShare(string? text, string mode)
    {
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double share) || !(share is >= 0 and <= 1))
        {
            throw new CommandLineValueException($"--mask '{CommandLineValues.Echo(text)}' is not usable: expected a share of positions kept, 0 to 1, such as 0.7");
        }

        if (mode != "train")
        {
            throw new CommandLineValueException($"--mask is not available for --mode {mode}: a mask changes only the batch statistics of a training call (expected --mode train)");
        }

        return share;
    }

    /// <summary>
    /// Bytes moved per second (read plus write) by copying a 400 MB buffer in as many slices as threads, one per
    /// thread; median of 5 after a warm-up.
    /// </summary>
    private static double CopyBandwidth(int threads)
    {
        float[] source = new float[BenchMemory.CopyProbeElements];
        float[] destination = new float[source.Length];
        source.AsSpan().Fill(1);
        int slice = (source.Length + threads - 1) / threads;
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        var times = new List<double>();
        for (int i = 0; i < 6; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, options, t =>
            {
                int first = t * slice;
                int length = Math.Min(slice, source.Length - first);
                source.AsSpan(first, length).CopyTo(destination.AsSpan(first, length));
            });
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (i > 0)
            {
                times.Add(elapsed);
            }
        }

        return 2.0 * source.Length * sizeof(float) / Median(times);
    }

    /// <summary>
    /// The most timed calls: enough for in-cache shapes of tens of microseconds per call (docs/performance.md times
    /// them with 3000), while a typo such as 2147483647 is refused rather than run for days.
    /// </summary>
    private const int MaxRepeat = 100_000;

    private const int WarmUpCalls = 60;
    private const double WarmUpSeconds = 2;

    private static double Time<T>(IBatchNormalization implementation, AxisResolution layout, string mode, int repeat, double? maskShare)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(20261124);
        int channels = layout.ChannelCount;
        // Plain arrays of exactly the estimated sizes (BenchMemory.Estimate): no growing collection doubles them.
        T[] x = new T[layout.ElementCount];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = T.CreateTruncating((random.NextDouble() * 2) - 1);
        }

        T[] dy = mode == "backward" ? new T[x.Length] : [];
        for (int i = 0; i < dy.Length; i++)
        {
            dy[i] = x[^(i + 1)];
        }

        bool[] mask = new bool[maskShare is null ? 0 : layout.ElementCount / layout.Shape[^1]];
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = random.NextDouble() < maskShare;
        }

        T[] y = new T[x.Length];
        T[] gamma = [.. Enumerable.Repeat(T.One, channels)];
        T[] beta = new T[channels];
        T[] movingMean = new T[channels];
        T[] movingVariance = [.. Enumerable.Repeat(T.One, channels)];
        T[] newMean = new T[channels];
        T[] newVariance = new T[channels];
        T[] dgamma = new T[channels];
        T[] dbeta = new T[channels];
        double Call()
        {
            long start = Stopwatch.GetTimestamp();
            var weights = new BatchNormWeights<T>(gamma, beta, movingMean, movingVariance);
            if (mode == "backward")
            {
                implementation.Backward<T>(layout, BatchNormOptions.Default, true, x, dy, weights, new BackwardDestinations<T>(y, dgamma, dbeta));
            }
            else
            {
                implementation.Forward<T>(layout, BatchNormOptions.Default, mode == "train", x, weights, new ForwardDestinations<T>(y, newMean, newVariance), mask);
            }

            return Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        // Tiered compilation promotes a method after 30 calls and compiles it in the background, so short runs
        // would time unoptimized code: warm up for WarmUpCalls calls or WarmUpSeconds, whichever comes first.
        long warmUpStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < WarmUpCalls && (i < 2 || Stopwatch.GetElapsedTime(warmUpStart).TotalSeconds < WarmUpSeconds); i++)
        {
            Call();
        }

        var times = new List<double>();
        for (int i = 0; i < repeat; i++)
        {
            times.Add(Call());
        }

        return Median(times);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
