using System.CommandLine;

namespace BatchNormAxis.Cli;

/// <summary><c>bnaxis explain --shape S [--axis A] [--json]</c>: what an axis spelling keeps and reduces.</summary>
internal static class ExplainCommand
{
    public static Command Create(TextWriter output)
    {
        Option<string> shapeOption = new("--shape")
        {
            Description = "Input shape, comma-separated, e.g. 8,32,32,3 (Python's (8, 32, 32, 3) also works); at most 64 dimensions.",
            HelpName = "SHAPE",
            Required = true,
        };
        Option<string> axisOption = new("--axis")
        {
            Description = "Keras axis: an integer such as -1 or 1 (every Keras), or a list such as 1,2,3 or [1] (tf.keras 2 only). Negative counts from the end.",
            HelpName = "AXIS",
            DefaultValueFactory = _ => "-1",
        };
        Option<bool> jsonOption = new("--json")
        {
            Description = "Print one JSON object with the keys shape, axis, kept_axes, reduction_axes, param_shape, broadcast_shape, reduction_count, weight_shape, channel_first_permutation, channel_first_shape.",
        };

        Command command = new("explain", "Show which axes BatchNormalization(axis=...) keeps and reduces for a shape, the parameter shapes, and the reduce-axes spelling for np.mean / tf.nn.moments.")
        {
            shapeOption,
            axisOption,
            jsonOption,
        };

        command.SetAction(parseResult =>
        {
            int[] shape = CommandLineValues.ParseShape(parseResult.GetValue(shapeOption)!);
            AxisSpec axis = CommandLineValues.ParseAxis(parseResult.GetValue(axisOption)!);
            AxisResolution resolution = AxisExplanation.Resolve(shape, axis);
            if (parseResult.GetValue(jsonOption))
            {
                output.Write(AxisExplanation.ToJson(resolution));
                return ExitCodes.Success;
            }

            // The hint goes before the explanation, where a reader who made the mistake looks first.
            string? hint = AxisExplanation.ReduceAxesHint(resolution);
            if (hint is not null)
            {
                output.WriteLine(hint);
                output.WriteLine();
            }

            output.Write(AxisExplanation.ToText(resolution));
            return ExitCodes.Success;
        });
        return command;
    }
}
