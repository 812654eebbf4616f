using System.Diagnostics.CodeAnalysis;

namespace BatchNormAxis.Conformance;

/// <summary>The element types fixtures store tensors in. Names in files are the lower-case NumPy spellings.</summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The members are the dtype names fixtures and NumPy use.")]
public enum FixtureDType
{
    /// <summary>IEEE binary16, <c>float16</c>.</summary>
    Float16,

    /// <summary>bfloat16, <c>bfloat16</c>: float32's exponent range with an 8-bit significand.</summary>
    BFloat16,

    /// <summary>IEEE binary32, <c>float32</c>.</summary>
    Float32,

    /// <summary>IEEE binary64, <c>float64</c>.</summary>
    Float64,

    /// <summary>A mask element, <c>bool</c>: one byte, 0 or 1.</summary>
    Bool,
}
