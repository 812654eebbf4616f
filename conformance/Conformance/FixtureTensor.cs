using System.Collections.Immutable;

namespace BatchNormAxis.Conformance;

/// <summary>An input tensor of a case: its dtype, its shape, and its values exactly as stored (as doubles).</summary>
/// <param name="DType">The storage dtype.</param>
/// <param name="Shape">The shape, row-major.</param>
/// <param name="Values">The values, row-major, each exactly a <paramref name="DType"/> value.</param>
public sealed record FixtureTensor(FixtureDType DType, ImmutableArray<int> Shape, double[] Values);

/// <summary>
/// An expected output: the float64 oracle value of every element, the per-element tolerance around it, and the
/// oracle value rounded to the output dtype for readers who want the bits.
/// </summary>
/// <param name="DType">The output dtype.</param>
/// <param name="Shape">The shape, row-major.</param>
/// <param name="Expected">The reference rounded to <paramref name="DType"/> (ties to even).</param>
/// <param name="Reference">The float64 oracle value, computed from the stored inputs.</param>
/// <param name="Tolerance">The absolute bound on |actual - reference| per element (docs/tolerance.md); 0 where the reference is not finite.</param>
public sealed record ExpectedTensor(FixtureDType DType, ImmutableArray<int> Shape, double[] Expected, double[] Reference, double[] Tolerance);

/// <summary>One call in a sequence case: the input of that call and what it must produce.</summary>
/// <param name="Training">The <c>training</c> argument of the call.</param>
/// <param name="X">The input.</param>
/// <param name="Expected">Expected outputs by name: <c>y</c>, <c>moving_mean</c>, <c>moving_variance</c>.</param>
public sealed record FixtureStep(bool Training, FixtureTensor X, ImmutableSortedDictionary<string, ExpectedTensor> Expected);
