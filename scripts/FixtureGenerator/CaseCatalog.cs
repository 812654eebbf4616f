using System.Globalization;

namespace BatchNormAxis.FixtureGenerator;

/// <summary>
/// Every case in the suite, with its stable id. Ids are never reused: a changed expectation keeps its id and
/// changes its hash; a changed meaning gets a new id (fixtures/CHANGES.md).
/// </summary>
internal static class CaseCatalog
{
    /// <summary>One shape per rank, all dimensions distinct, so an axis mix-up cannot pass by symmetry.</summary>
    private static readonly int[][] s_shapeOfRank = [[], [6], [5, 3], [4, 2, 5], [3, 5, 2, 4], [2, 4, 6, 3, 5]];

    public static IReadOnlyList<CaseSpec> All()
    {
        var cases = new List<CaseSpec>();
        cases.AddRange(KeepSets());
        cases.AddRange(Spellings());
        cases.AddRange(Frozen());
        cases.AddRange(Sequences());
        cases.AddRange(Parameters());
        cases.AddRange(SixteenBitTypes());
        cases.AddRange(Backward());
        cases.AddRange(DataPatterns());
        cases.AddRange(Masks());
        cases.AddRange(Invalid());
        cases.AddRange(Renorm());
        return [.. cases.OrderBy(c => c.Id, StringComparer.Ordinal)];
    }

    /// <summary>Ranks 1 to 5, every non-empty keep-set, training and inference, float32 and float64.</summary>
    private static IEnumerable<CaseSpec> KeepSets()
    {
        foreach (int rank in Enumerable.Range(1, 5))
        {
            for (int mask = 1; mask < (1 << rank); mask++)
            {
                int[] kept = [.. Enumerable.Range(0, rank).Where(a => (mask & (1 << a)) != 0)];
                foreach (FixtureDType dtype in new[] { FixtureDType.Float32, FixtureDType.Float64 })
                {
                    foreach (bool training in new[] { true, false })
                    {
                        yield return new CaseSpec
                        {
                            Id = $"keep.r{rank}.k{Join(kept)}.{Mode(training)}.{Short(dtype)}",
                            Title = $"Rank {rank} {ShapeText(s_shapeOfRank[rank])}, keep {ShapeTextList(kept)}, {ModeWords(training)}, {DTypes.Name(dtype)}",
                            Kind = FixtureKind.Forward,
                            DType = dtype,
                            Shape = s_shapeOfRank[rank],
                            Axis = kept.Length == 1 ? AxisSpec.Of(kept[0]) : AxisSpec.List(kept),
                            Training = training,
                        };
                    }
                }
            }
        }
    }

    /// <summary>The same keep-set spelled as int, list, negative and mixed: distinct ids, identical data and expectations.</summary>
    private static IEnumerable<CaseSpec> Spellings()
    {
        (int Rank, int[] Kept, (string Name, AxisSpec Axis)[] Spellings)[] groups =
        [
            (4, [1], [("int", AxisSpec.Of(1)), ("negative", AxisSpec.Of(-3)), ("list", AxisSpec.List(1)), ("negative-list", AxisSpec.List(-3))]),
            (4, [3], [("int", AxisSpec.Of(3)), ("negative", AxisSpec.Of(-1)), ("list", AxisSpec.List(3)), ("negative-list", AxisSpec.List(-1))]),
            (4, [1, 2, 3], [("list", AxisSpec.List(1, 2, 3)), ("negative", AxisSpec.List(-3, -2, -1)), ("mixed", AxisSpec.List(1, -2, 3)), ("shuffled", AxisSpec.List(3, 1, -2))]),
            (3, [0, 2], [("list", AxisSpec.List(0, 2)), ("negative", AxisSpec.List(-3, -1)), ("mixed", AxisSpec.List(2, -3))]),
        ];
        foreach ((int rank, int[] kept, (string Name, AxisSpec Axis)[] spellings) in groups)
        {
            foreach ((string name, AxisSpec axis) in spellings)
            {
                yield return new CaseSpec
                {
                    Id = $"spelling.r{rank}.k{Join(kept)}.{name}.train.f32",
                    Title = $"Keep {ShapeTextList(kept)} of rank {rank} spelled axis={axis}: the same data as every other spelling",
                    Kind = FixtureKind.Forward,
                    Shape = s_shapeOfRank[rank],
                    Axis = axis,
                    DataKey = $"spelling.r{rank}.k{Join(kept)}",
                };
            }
        }
    }

    /// <summary>trainable=false with training=true: inference output, moving statistics untouched.</summary>
    private static IEnumerable<CaseSpec> Frozen()
    {
        foreach ((int rank, int[] kept, FixtureDType dtype) in new (int, int[], FixtureDType)[]
        {
            (4, [3], FixtureDType.Float32), (4, [1], FixtureDType.Float32), (4, [1, 2, 3], FixtureDType.Float32), (2, [1], FixtureDType.Float64),

            // Required (one integer axis, float32) in three more layouts, so a layer that ignores trainable fails in several.
            (2, [1], FixtureDType.Float32), (3, [0], FixtureDType.Float32), (5, [2], FixtureDType.Float32),
        })
        {
            yield return new CaseSpec
            {
                Id = $"frozen.r{rank}.k{Join(kept)}.{Short(dtype)}",
                Title = $"Frozen layer (trainable=false) called with training=true; keep {ShapeTextList(kept)}",
                Kind = FixtureKind.Forward,
                DType = dtype,
                Shape = s_shapeOfRank[rank],
                Axis = kept.Length == 1 ? AxisSpec.Of(kept[0]) : AxisSpec.List(kept),
                Options = new BatchNormOptions { Trainable = false },
            };
        }
    }

    /// <summary>Three training calls update the moving statistics; a fourth, in inference, uses them.</summary>
    private static IEnumerable<CaseSpec> Sequences()
    {
        foreach ((int rank, int[] kept, double momentum) in new (int, int[], double)[] { (3, [1], 0.99), (4, [1, 2, 3], 0.9), (2, [1], 0.5) })
        {
            yield return new CaseSpec
            {
                Id = $"sequence.r{rank}.k{Join(kept)}.momentum{Number(momentum)}.f32",
                Title = $"Three training calls then one inference call on one layer, momentum {Number(momentum)}",
                Kind = FixtureKind.Sequence,
                Shape = s_shapeOfRank[rank],
                Axis = kept.Length == 1 ? AxisSpec.Of(kept[0]) : AxisSpec.List(kept),
                Options = new BatchNormOptions { Momentum = momentum },
                TrainingSteps = 3,
            };
        }
    }

    /// <summary>center/scale off, momentum 0 and 0.5, epsilon 1e-5 and 0.</summary>
    private static IEnumerable<CaseSpec> Parameters()
    {
        (string Name, BatchNormOptions Options, bool InferenceToo)[] variants =
        [
            ("center-off", new BatchNormOptions { Center = false }, true),
            ("scale-off", new BatchNormOptions { Scale = false }, true),
            ("center-scale-off", new BatchNormOptions { Center = false, Scale = false }, true),
            ("momentum-0", new BatchNormOptions { Momentum = 0 }, false),
            ("momentum-0.5", new BatchNormOptions { Momentum = 0.5 }, false),
            ("epsilon-1e-5", new BatchNormOptions { Epsilon = 1e-5 }, true),
            ("epsilon-0", new BatchNormOptions { Epsilon = 0 }, true),
        ];
        foreach ((string name, BatchNormOptions options, bool inferenceToo) in variants)
        {
            foreach (bool training in inferenceToo ? new[] { true, false } : new[] { true })
            {
                yield return new CaseSpec
                {
                    Id = $"params.r3.k1.{name}.{Mode(training)}.f32",
                    Title = $"{name.Replace('-', ' ')}: rank 3 {ShapeText(s_shapeOfRank[3])}, keep [1], {ModeWords(training)}",
                    Kind = FixtureKind.Forward,
                    Shape = s_shapeOfRank[3],
                    Axis = AxisSpec.Of(1),
                    Options = options,
                    Training = training,
                };
            }
        }
    }

    /// <summary>float16 and bfloat16 storage, float32 compute (Keras), every tensor in the 16-bit type.</summary>
    private static IEnumerable<CaseSpec> SixteenBitTypes()
    {
        foreach (FixtureDType dtype in new[] { FixtureDType.Float16, FixtureDType.BFloat16 })
        {
            foreach (int[] kept in new int[][] { [3], [1], [1, 2, 3], [0] })
            {
                foreach (bool training in new[] { true, false })
                {
                    yield return new CaseSpec
                    {
                        Id = $"dtype.r4.k{Join(kept)}.{Mode(training)}.{Short(dtype)}",
                        Title = $"{DTypes.Name(dtype)}, rank 4 {ShapeText(s_shapeOfRank[4])}, keep {ShapeTextList(kept)}, {ModeWords(training)}",
                        Kind = FixtureKind.Forward,
                        DType = dtype,
                        Shape = s_shapeOfRank[4],
                        Axis = kept.Length == 1 ? AxisSpec.Of(kept[0]) : AxisSpec.List(kept),
                        Training = training,
                    };
                }
            }
        }
    }

    /// <summary>dx, dgamma, dbeta in training, inference and frozen mode.</summary>
    private static IEnumerable<CaseSpec> Backward()
    {
        foreach (FixtureDType dtype in new[] { FixtureDType.Float32, FixtureDType.Float64 })
        {
            foreach ((int rank, int[] kept) in new (int, int[])[] { (4, [3]), (4, [1]), (4, [1, 2, 3]), (4, [0]), (2, [1]), (1, [0]) })
            {
                foreach (string mode in new[] { "train", "infer", "frozen" })
                {
                    yield return new CaseSpec
                    {
                        Id = $"backward.r{rank}.k{Join(kept)}.{mode}.{Short(dtype)}",
                        Title = $"Gradients of sum(dy * y), rank {rank} {ShapeText(s_shapeOfRank[rank])}, keep {ShapeTextList(kept)}, {mode}",
                        Kind = FixtureKind.Backward,
                        DType = dtype,
                        Shape = s_shapeOfRank[rank],
                        Axis = kept.Length == 1 ? AxisSpec.Of(kept[0]) : AxisSpec.List(kept),
                        Training = mode != "infer",
                        Options = new BatchNormOptions { Trainable = mode != "frozen" },
                    };
                }
            }
        }

        yield return new CaseSpec
        {
            Id = "backward.r2.k1.center-scale-off.train.f32",
            Title = "Gradients of sum(dy * y) with center=false and scale=false",
            Kind = FixtureKind.Backward,
            Shape = s_shapeOfRank[2],
            Axis = AxisSpec.Of(1),
            Options = new BatchNormOptions { Center = false, Scale = false },
        };
    }

    private const string LargeOffsetWhy = "mean 1000 with a spread near 0.125";

    private static IEnumerable<CaseSpec> DataPatterns()
    {
        (string Name, DataPattern Pattern, int[] Shape, string Why)[] patterns =
        [
            ("large-offset", DataPattern.LargeOffset, [16, 3], LargeOffsetWhy),
            ("constant-channel", DataPattern.ConstantChannel, [6, 4], "channel 0 constant"),
            ("one-per-channel", DataPattern.Normal, [1, 5], "a batch of one: one element per channel"),
            ("nan", DataPattern.NaN, [6, 4], "one NaN in the input"),
            ("infinity", DataPattern.Infinity, [6, 4], "one infinity in the input"),
            ("signed-zero", DataPattern.SignedZero, [6, 4], "+0 and -0 in one channel"),
            ("tiny", DataPattern.Tiny, [8, 3], "magnitudes near 1e-20"),
            ("huge", DataPattern.Huge, [8, 3], "magnitudes near 1e17"),
        ];
        foreach ((string name, DataPattern pattern, int[] shape, string why) in patterns)
        {
            foreach (bool training in new[] { true, false })
            {
                yield return new CaseSpec
                {
                    Id = $"data.{name}.r2.k1.{Mode(training)}.f32",
                    Title = $"{why}; {ModeWords(training)}",
                    Kind = FixtureKind.Forward,
                    Shape = shape,
                    Axis = AxisSpec.Of(1),
                    Pattern = pattern,
                    Training = training,
                };
            }
        }

        // Ill-conditioned data in more layouts and both full-precision dtypes: the single-pass variance fails each.
        foreach ((int rank, int kept, FixtureDType dtype) in new (int, int, FixtureDType)[]
        {
            (2, 1, FixtureDType.Float64), (3, 1, FixtureDType.Float32), (4, 3, FixtureDType.Float32), (4, 1, FixtureDType.Float32), (3, 1, FixtureDType.Float64), (4, 3, FixtureDType.Float64),
        })
        {
            int[] shape = rank == 2 ? [16, 3] : s_shapeOfRank[rank];
            yield return new CaseSpec
            {
                Id = $"data.large-offset.r{rank}.k{kept}.train.{Short(dtype)}",
                Title = dtype == FixtureDType.Float64
                    ? $"float64 mean 1e8 with a spread near 0.125, rank {rank} {ShapeText(shape)}, keep [{kept}]; training"
                    : $"{LargeOffsetWhy}, rank {rank} {ShapeText(shape)}, keep [{kept}]; training",
                Kind = FixtureKind.Forward,
                DType = dtype,
                Shape = shape,
                Axis = AxisSpec.Of(kept),
                Pattern = DataPattern.LargeOffset,
            };
        }

        yield return new CaseSpec
        {
            Id = "data.one-per-channel.r1.k0.train.f32",
            Title = "Rank 1 (6,), axis=-1: every element its own channel; training",
            Kind = FixtureKind.Forward,
            Shape = [6],
            Axis = AxisSpec.Of(-1),
        };
    }

    /// <summary>Keras 3 masked (weighted) statistics: an optional capability.</summary>
    private static IEnumerable<CaseSpec> Masks()
    {
        yield return new CaseSpec { Id = "mask.r3.k2.train.f32", Title = "Some positions masked; training", Kind = FixtureKind.Forward, Shape = [4, 5, 3], Axis = AxisSpec.Of(-1), Masked = true };
        yield return new CaseSpec { Id = "mask.r3.k2.fully-masked.train.f32", Title = "Every position masked; training", Kind = FixtureKind.Forward, Shape = [4, 5, 3], Axis = AxisSpec.Of(-1), Masked = true, FullyMasked = true };
        yield return new CaseSpec { Id = "mask.r3.k2.infer.f32", Title = "Some positions masked; inference", Kind = FixtureKind.Forward, Shape = [4, 5, 3], Axis = AxisSpec.Of(-1), Masked = true, Training = false };
    }

    /// <summary>
    /// Inputs a layer must refuse. The id reaches the harness, so it names the input only and shares its family with
    /// valid cases: <c>spelling</c> for an axis argument (and rank 0), <c>params</c> for a gamma shape, <c>mask</c>
    /// for a mask shape; never the expected category nor that an error is expected. Each keeps the data of its suite
    /// 0.3.0 id (<see cref="CaseSpec.DataKey"/>).
    /// </summary>
    private static IEnumerable<CaseSpec> Invalid()
    {
        (string Id, string OldName, int[] Shape, AxisSpec Axis, string Error, int[]? Gamma, int[]? Mask)[] cases =
        [
            ("spelling.r4.axis-4", "axis-out-of-range.r4.axis4", [3, 5, 2, 4], AxisSpec.Of(4), "axis_out_of_range", null, null),
            ("spelling.r4.axis-neg5", "axis-out-of-range.r4.axis-5", [3, 5, 2, 4], AxisSpec.Of(-5), "axis_out_of_range", null, null),
            ("spelling.r2.axis-list-1-2", "axis-out-of-range.r2.list-1-2", [5, 3], AxisSpec.List(1, 2), "axis_out_of_range", null, null),
            ("spelling.r4.axis-list-1-neg3", "duplicate-axis.r4.list-1-neg3", [3, 5, 2, 4], AxisSpec.List(1, -3), "duplicate_axis", null, null),
            ("spelling.r3.axis-list-2-2", "duplicate-axis.r3.list-2-2", [4, 2, 5], AxisSpec.List(2, 2), "duplicate_axis", null, null),
            ("spelling.r3.axis-list-empty", "empty-axis-list.r3", [4, 2, 5], AxisSpec.List(), "empty_axis_list", null, null),
            ("spelling.r0.axis-neg1", "rank-zero", [], AxisSpec.Of(-1), "rank_zero", null, null),
            ("params.r3.k1.gamma-shape-3", "parameter-shape.r3.k1.gamma-length", [4, 2, 5], AxisSpec.Of(1), "parameter_shape_mismatch", [3], null),
            ("params.r3.k1.gamma-shape-1x2", "parameter-shape.r3.k1.gamma-rank", [4, 2, 5], AxisSpec.Of(1), "parameter_shape_mismatch", [1, 2], null),
            ("params.r3.k2.gamma-shape-4", "parameter-shape.r3.k2.gamma-of-axis-0", [4, 2, 5], AxisSpec.Of(-1), "parameter_shape_mismatch", [4], null),
            ("mask.r3.k2.mask-shape-4x5x3", "mask-shape.r3.k2.same-rank", [4, 5, 3], AxisSpec.Of(-1), "mask_shape_mismatch", null, [4, 5, 3]),
            ("mask.r3.k2.mask-shape-4", "mask-shape.r3.k2.too-short", [4, 5, 3], AxisSpec.Of(-1), "mask_shape_mismatch", null, [4]),
        ];
        foreach ((string id, string oldName, int[] shape, AxisSpec axis, string error, int[]? gamma, int[]? mask) in cases)
        {
            yield return new CaseSpec
            {
                Id = $"{id}.train.f32",
                DataKey = $"invalid.{oldName}.f32",

                // The title describes the input only, in the words of the valid cases: it reaches the harness, the expectation must not.
                Title = $"Rank {shape.Length} {ShapeText(shape)}, axis={axis}"
                    + (gamma is null ? "" : $", gamma of shape {ShapeText(gamma)}")
                    + (mask is null ? "" : $", a mask of shape {ShapeText(mask)}")
                    + $", {ModeWords(true)}",
                Kind = FixtureKind.Invalid,
                Shape = shape,
                Axis = axis,
                ExpectedError = error,
                GammaShape = gamma,
                MaskShape = mask,
                Masked = mask is not null,
            };
        }
    }

    /// <summary>
    /// Batch renormalization (Keras 3.14+, an optional capability): clip bounds present and absent on data where
    /// each bound clips some channels and not others, the sqrt(epsilon) floor, inference, frozen, sequences that
    /// move the renorm statistics, center/scale off, epsilon and momentum variants, several keep-sets, gradients,
    /// a mask, float32, float64 and float16. Well-conditioned data only: the tier tests renorm, not cancellation.
    /// </summary>
    private static IEnumerable<CaseSpec> Renorm()
    {
        RenormOptions none = new();
        RenormOptions all = new() { RMin = 0.9, RMax = 1.4, DMax = 0.4 };
        RenormOptions rOnly = new() { RMin = 0.9, RMax = 1.4 };
        RenormOptions dOnly = new() { DMax = 0.4 };
        BatchNormOptions Layer(RenormOptions renorm) => new() { Renorm = renorm };

        // Training calls: (rank, kept, axis as spelled, variant, layer, dtype, clipping must bite, below the floor).
        (int Rank, int[] Kept, AxisSpec Axis, string Variant, BatchNormOptions Options, FixtureDType DType, bool Bite, bool Floor, string Why)[] trainingCalls =
        [
            (4, [3], AxisSpec.Of(-1), "clip-none", Layer(none), FixtureDType.Float32, false, false, "no clipping"),
            (4, [3], AxisSpec.Of(-1), "clip-all", Layer(all), FixtureDType.Float32, true, false, "rmin 0.9, rmax 1.4, dmax 0.4"),
            (4, [1], AxisSpec.Of(1), "clip-all", Layer(all), FixtureDType.Float32, true, false, "rmin 0.9, rmax 1.4, dmax 0.4"),
            (4, [1], AxisSpec.Of(1), "clip-r", Layer(rOnly), FixtureDType.Float32, true, false, "rmin 0.9 and rmax 1.4 only"),
            (4, [1], AxisSpec.Of(1), "clip-d", Layer(dOnly), FixtureDType.Float32, true, false, "dmax 0.4 only"),
            (4, [1, 2, 3], AxisSpec.List(1, 2, 3), "clip-all", Layer(all), FixtureDType.Float32, true, false, "a multi-axis keep-set, 40 channels of 3 elements"),
            (2, [1], AxisSpec.Of(1), "clip-all", Layer(all), FixtureDType.Float32, false, false, "rank 2, 3 channels of 5 elements"),
            (2, [1], AxisSpec.Of(1), "floor", Layer(none), FixtureDType.Float32, false, true, "renorm_stddev 0 and sqrt(epsilon)/4 in channels 0 and 1"),
            (3, [1], AxisSpec.Of(1), "center-off", new BatchNormOptions { Center = false, Renorm = all }, FixtureDType.Float32, false, false, "center=false"),
            (3, [1], AxisSpec.Of(1), "scale-off", new BatchNormOptions { Scale = false, Renorm = all }, FixtureDType.Float32, false, false, "scale=false"),
            (3, [1], AxisSpec.Of(1), "center-scale-off", new BatchNormOptions { Center = false, Scale = false, Renorm = all }, FixtureDType.Float32, false, false, "center=false, scale=false"),
            (3, [1], AxisSpec.Of(1), "epsilon-1e-5", new BatchNormOptions { Epsilon = 1e-5, Renorm = none }, FixtureDType.Float32, false, false, "epsilon 1e-5"),
            (3, [1], AxisSpec.Of(1), "epsilon-0.1", new BatchNormOptions { Epsilon = 0.1, Renorm = none }, FixtureDType.Float32, false, false, "epsilon 0.1"),
            (3, [1], AxisSpec.Of(1), "momentum-0.5", new BatchNormOptions { Momentum = 0.5, Renorm = none }, FixtureDType.Float32, false, false, "momentum 0.5"),
            (3, [1], AxisSpec.Of(1), "renorm-momentum-0.5", new BatchNormOptions { Renorm = new RenormOptions { Momentum = 0.5 } }, FixtureDType.Float32, false, false, "renorm_momentum 0.5"),
            (3, [1], AxisSpec.Of(1), "renorm-momentum-0", new BatchNormOptions { Renorm = new RenormOptions { Momentum = 0 } }, FixtureDType.Float32, false, false, "renorm_momentum 0"),
            (4, [3], AxisSpec.Of(-1), "clip-all", Layer(all), FixtureDType.Float64, true, false, "rmin 0.9, rmax 1.4, dmax 0.4"),
            (2, [1], AxisSpec.Of(1), "clip-none", Layer(none), FixtureDType.Float64, false, false, "no clipping"),
            (4, [3], AxisSpec.Of(-1), "clip-all", Layer(all), FixtureDType.Float16, false, false, "float16"),
        ];
        foreach ((int rank, int[] kept, AxisSpec axis, string variant, BatchNormOptions options, FixtureDType dtype, bool bite, bool floor, string why) in trainingCalls)
        {
            yield return new CaseSpec
            {
                Id = $"renorm.r{rank}.k{Join(kept)}.train.{variant}.{Short(dtype)}",
                Title = $"Batch renormalization, training, rank {rank} {ShapeText(s_shapeOfRank[rank])}, keep {ShapeTextList(kept)}: {why}",
                Kind = FixtureKind.Forward,
                DType = dtype,
                Shape = s_shapeOfRank[rank],
                Axis = axis,
                Options = options,

                // The clip variants of one keep-set share their data: what differs between them is the clipping alone.
                DataKey = variant.StartsWith("clip-", StringComparison.Ordinal) ? $"renorm.r{rank}.k{Join(kept)}.train.clip.{Short(dtype)}" : null,
                ClippingMustBite = bite,
                RenormStddevBelowFloor = floor,
            };
        }

        foreach ((int rank, int[] kept, AxisSpec axis, string mode, FixtureDType dtype) in new (int, int[], AxisSpec, string, FixtureDType)[]
        {
            (4, [3], AxisSpec.Of(-1), "infer", FixtureDType.Float32), (4, [1], AxisSpec.Of(1), "infer", FixtureDType.Float64),
            (4, [3], AxisSpec.Of(-1), "frozen", FixtureDType.Float32), (2, [1], AxisSpec.Of(1), "frozen", FixtureDType.Float64),
        })
        {
            yield return new CaseSpec
            {
                Id = $"renorm.r{rank}.k{Join(kept)}.{mode}.{Short(dtype)}",
                Title = mode == "infer"
                    ? $"Batch renormalization in inference; keep {ShapeTextList(kept)}"
                    : $"Batch renormalization on a frozen layer called with training=true; keep {ShapeTextList(kept)}",
                Kind = FixtureKind.Forward,
                DType = dtype,
                Shape = s_shapeOfRank[rank],
                Axis = axis,
                Options = new BatchNormOptions { Trainable = mode != "frozen", Renorm = all },
                Training = mode != "infer",
            };
        }

        foreach ((int rank, int[] kept, AxisSpec axis, string variant, BatchNormOptions options, int steps) in new (int, int[], AxisSpec, string, BatchNormOptions, int)[]
        {
            (2, [1], AxisSpec.Of(1), "clip-all", Layer(all), 3),
            (3, [1], AxisSpec.Of(1), "momentum-0.9.renorm-momentum-0.5", new BatchNormOptions { Momentum = 0.9, Renorm = new RenormOptions { Momentum = 0.5 } }, 4),
            (4, [1, 2, 3], AxisSpec.List(1, 2, 3), "clip-all.renorm-momentum-0.8", new BatchNormOptions { Momentum = 0.9, Renorm = all with { Momentum = 0.8 } }, 3),
        })
        {
            yield return new CaseSpec
            {
                Id = $"renorm.r{rank}.k{Join(kept)}.sequence.{variant}.f32",
                Title = $"Batch renormalization: {steps} training calls then one inference call on one layer, momentum {Number(options.Momentum)}, renorm_momentum {Number(options.Renorm!.Momentum)}",
                Kind = FixtureKind.Sequence,
                Shape = s_shapeOfRank[rank],
                Axis = axis,
                Options = options,
                TrainingSteps = steps,
            };
        }

        foreach ((int rank, int[] kept, AxisSpec axis, string variant, BatchNormOptions options, FixtureDType dtype, bool training) in new (int, int[], AxisSpec, string, BatchNormOptions, FixtureDType, bool)[]
        {
            (4, [3], AxisSpec.Of(-1), "train.clip-none", Layer(none), FixtureDType.Float32, true),
            (4, [3], AxisSpec.Of(-1), "train.clip-all", Layer(all), FixtureDType.Float32, true),
            (4, [1], AxisSpec.Of(1), "train.clip-all", Layer(all), FixtureDType.Float64, true),
            (4, [1, 2, 3], AxisSpec.List(1, 2, 3), "train.clip-all", Layer(all), FixtureDType.Float32, true),
            (2, [1], AxisSpec.Of(1), "train.floor", Layer(none), FixtureDType.Float64, true),
            (2, [1], AxisSpec.Of(1), "train.center-scale-off", new BatchNormOptions { Center = false, Scale = false, Renorm = all }, FixtureDType.Float32, true),
            (4, [3], AxisSpec.Of(-1), "infer", Layer(all), FixtureDType.Float32, false),
            (4, [3], AxisSpec.Of(-1), "frozen", new BatchNormOptions { Trainable = false, Renorm = all }, FixtureDType.Float32, true),
        })
        {
            yield return new CaseSpec
            {
                Id = $"renorm.r{rank}.k{Join(kept)}.backward.{variant}.{Short(dtype)}",
                Title = $"Gradients of sum(dy * y) with batch renormalization ({variant.Replace('.', ' ')}), keep {ShapeTextList(kept)}",
                Kind = FixtureKind.Backward,
                DType = dtype,
                Shape = s_shapeOfRank[rank],
                Axis = axis,
                Options = options,
                Training = training,
                RenormStddevBelowFloor = variant.EndsWith("floor", StringComparison.Ordinal),
            };
        }

        yield return new CaseSpec
        {
            Id = "renorm.r3.k2.mask.train.clip-all.f32",
            Title = "Batch renormalization with a mask; training",
            Kind = FixtureKind.Forward,
            Shape = [4, 5, 3],
            Axis = AxisSpec.Of(-1),
            Masked = true,
            Options = Layer(all),
        };
    }

    private static string Join(int[] axes) => string.Join('-', axes);

    private static string Mode(bool training) => training ? "train" : "infer";

    private static string ModeWords(bool training) => training ? "training" : "inference";

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string ShapeText(int[] shape) => BatchNormAxis.ShapeText.Tuple(shape);

    private static string ShapeTextList(int[] axes) => BatchNormAxis.ShapeText.List(axes);

    private static string Short(FixtureDType dtype) => dtype switch
    {
        FixtureDType.Float16 => "f16",
        FixtureDType.BFloat16 => "bf16",
        FixtureDType.Float32 => "f32",
        _ => "f64",
    };
}
