namespace BatchNormAxis;

/// <summary>
/// Where a backward call writes the gradients of the loss. <see cref="Dx"/> has one element per input element
/// (it may be the very same memory as <c>dy</c>); the parameter gradients one per channel, and must be empty
/// when the layer has no such parameter.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
/// <param name="dx">The gradient with respect to the input.</param>
/// <param name="dgamma">The gradient with respect to gamma; empty when <see cref="BatchNormOptions.Scale"/> is off.</param>
/// <param name="dbeta">The gradient with respect to beta; empty when <see cref="BatchNormOptions.Center"/> is off.</param>
public readonly ref struct BackwardDestinations<T>(Span<T> dx, Span<T> dgamma, Span<T> dbeta)
{
    /// <summary>The gradient with respect to the input x.</summary>
    public Span<T> Dx { get; } = dx;

    /// <summary>The gradient with respect to gamma, or empty.</summary>
    public Span<T> Dgamma { get; } = dgamma;

    /// <summary>The gradient with respect to beta, or empty.</summary>
    public Span<T> Dbeta { get; } = dbeta;
}
