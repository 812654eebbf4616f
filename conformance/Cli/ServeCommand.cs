using System.CommandLine;
using System.Globalization;
using System.Text;
using BatchNormAxis.Conformance.Protocol;
using BatchNormAxis.Conformance.Running;

namespace BatchNormAxis.Cli;

/// <summary>
/// <c>bnaxis serve --impl scalar</c>: a built-in implementation as a harness, speaking docs/protocol.md on
/// stdin/stdout, so any runner (ours or another) can drive it. The protocol itself is <see cref="ProtocolServer"/>.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        Option<string> implOption = new("--impl") { Description = "The built-in implementation to serve: fast (default) or scalar.", HelpName = BuiltInImplementations.HelpName, DefaultValueFactory = _ => BuiltInImplementations.Default };
        Option<int> maxLineOption = new("--max-line-bytes") { Description = $"The longest input line read, in bytes; a longer one gets an error reply. Default: {HarnessLimits.DefaultMaxLineBytes.ToString(CultureInfo.InvariantCulture)}.", HelpName = "BYTES", DefaultValueFactory = _ => HarnessLimits.DefaultMaxLineBytes };
        Command command = new("serve", "Serve a built-in implementation over the harness protocol (docs/protocol.md) on stdin/stdout until 'stop' or end of input. Every line gets one reply; a bad line gets an error reply and serving goes on.")
        {
            implOption, maxLineOption,
        };
        command.SetAction(parseResult =>
        {
            IBatchNormalization implementation = BuiltInImplementations.Get(parseResult.GetValue(implOption)!);
            int maxLineBytes = parseResult.GetValue(maxLineOption);
            if (maxLineBytes <= 0)
            {
                throw new CommandLineValueException($"--max-line-bytes {maxLineBytes.ToString(CultureInfo.InvariantCulture)} is not usable: expected a positive number of bytes");
            }

            using Stream input = Console.OpenStandardInput();
            using var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { NewLine = "\n" };
            try
            {
                new ProtocolServer(implementation, maxLineBytes).Serve(input, output);
            }
            catch (IOException)
            {
                // The runner closed the pipes: nobody is left to answer.
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
