namespace BatchNormAxis;

/// <summary>
/// Invalid input to batch normalization: an axis that does not fit the shape, a parameter of the wrong shape,
/// a bad hyperparameter. <see cref="Exception.Message"/> is one line that names the offending value and what
/// was expected; <see cref="Category"/> says which kind of error it is.
/// </summary>
public sealed class BatchNormArgumentException : ArgumentException
{
    /// <summary>Creates an exception of the given category with a one-line message.</summary>
    /// <param name="category">The kind of error.</param>
    /// <param name="message">One line naming the offending value and what was expected.</param>
    public BatchNormArgumentException(BatchNormErrorCategory category, string message)
        : base(message)
    {
        Category = category;
    }

    /// <summary>The kind of error, stable across versions.</summary>
    public BatchNormErrorCategory Category { get; }
}
