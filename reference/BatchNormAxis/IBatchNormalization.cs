using System.Numerics;

namespace BatchNormAxis;

/// <summary>
/// The contract every implementation of Keras-style <c>BatchNormalization</c> in this library meets: the plain
/// <see cref="ScalarBatchNorm"/> reference and the fast span-based implementation. Data is flat and row-major;
/// the shape and the kept axes come from an <see cref="AxisResolution"/>.
/// </summary>
/// <remarks>
/// <para>Every method validates its arguments first and throws <see cref="BatchNormArgumentException"/> with a
/// one-line message before writing anything.</para>
/// <para>NaN and infinity propagate as IEEE arithmetic makes them: a NaN in a channel's input makes that channel's
/// batch statistics, and so its whole output, NaN in training mode.</para>
/// </remarks>
public interface IBatchNormalization
{
    /// <summary>A short name for reports and the command line, e.g. <c>scalar</c>.</summary>
    string Name { get; }

    /// <summary>
    /// One call of the layer, <c>layer(x, training=training)</c>. When <paramref name="training"/> is true and the
    /// layer is trainable, the call normalizes with the batch mean and biased batch variance over
    /// <see cref="AxisResolution.ReductionAxes"/> and updates the moving statistics; otherwise (inference, or a
    /// frozen layer called with <c>training=true</c>) it normalizes with the moving statistics and leaves them unchanged.
    /// </summary>
    /// <typeparam name="T">The element type: <see cref="float"/>, <see cref="double"/> or <see cref="Half"/>.</typeparam>
    /// <param name="layout">The input shape and kept axes.</param>
    /// <param name="options">The layer's hyperparameters.</param>
    /// <param name="training">The <c>training</c> argument of the call.</param>
    /// <param name="x">The input, <see cref="AxisResolution.ElementCount"/> values.</param>
    /// <param name="weights">Gamma, beta and the moving statistics; with renorm also moving stddev, renorm mean and renorm stddev.</param>
    /// <param name="destinations">Where y and the moving statistics (with renorm, all five) after the call go.</param>
    /// <param name="mask">
    /// Optional Keras 3 mask, one flag per position of the input without its last axis (empty: no mask). In training,
    /// masked-out positions do not count in the statistics (weighted moments, denominator <c>sum(mask) + 1e-7</c> as in
    /// Keras 3) but are still normalized; in inference the mask changes nothing.
    /// </param>
    /// <remarks>
    /// This method effectively computes <c>y = gamma * (x - mean) / sqrt(variance + epsilon) + beta</c> per channel, and
    /// when training <c>moving = moving * momentum + batch * (1 - momentum)</c>. With <see cref="BatchNormOptions.Renorm"/> a
    /// training call on a trainable layer corrects the normalized values by r and d and also moves the renorm statistics
    /// (see <see cref="RenormOptions"/>); the three renorm weights and destinations are then required.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="BatchNormArgumentException">A buffer or the mask has the wrong length, a destination overlaps an input it may not replace, or a hyperparameter is unusable.</exception>
    void Forward<T>(
        AxisResolution layout,
        BatchNormOptions options,
        bool training,
        ReadOnlySpan<T> x,
        BatchNormWeights<T> weights,
        ForwardDestinations<T> destinations,
        ReadOnlySpan<bool> mask = default)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// The gradients of a loss with respect to the input, gamma and beta, given the gradient <paramref name="dy"/>
    /// with respect to the output of the forward call with the same arguments.
    /// </summary>
    /// <typeparam name="T">The element type: <see cref="float"/>, <see cref="double"/> or <see cref="Half"/>.</typeparam>
    /// <param name="layout">The input shape and kept axes.</param>
    /// <param name="options">The layer's hyperparameters.</param>
    /// <param name="training">The <c>training</c> argument of the forward call.</param>
    /// <param name="x">The input of the forward call.</param>
    /// <param name="dy">The gradient of the loss with respect to y.</param>
    /// <param name="weights">Gamma, beta and the moving (with renorm, also the renorm) statistics as they were before the forward call.</param>
    /// <param name="destinations">Where dx, dgamma and dbeta go.</param>
    /// <remarks>
    /// With batch statistics (training, trainable): <c>dbeta = sum(dy)</c>, <c>dgamma = sum(dy * xhat)</c>,
    /// <c>dx = gamma / sqrt(variance + epsilon) * (dy - mean(dy) - xhat * mean(dy * xhat))</c>, sums and means per channel.
    /// With moving statistics (inference or frozen) they are constants: <c>dx = gamma * dy / sqrt(moving_variance + epsilon)</c>.
    /// With renorm in training, r and d are constants of the gradient (Keras' <c>stop_gradient</c>): <c>dx</c> is the batch
    /// statistics formula with <c>r * gamma</c> for gamma, <c>dgamma = sum(dy * (r * xhat + d))</c>, <c>dbeta = sum(dy)</c>.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="BatchNormArgumentException">A buffer has the wrong length, a destination overlaps an input it may not replace, or a hyperparameter is unusable.</exception>
    void Backward<T>(
        AxisResolution layout,
        BatchNormOptions options,
        bool training,
        ReadOnlySpan<T> x,
        ReadOnlySpan<T> dy,
        BatchNormWeights<T> weights,
        BackwardDestinations<T> destinations)
        where T : unmanaged, IFloatingPointIeee754<T>;
}
