using BatchNormAxis.Cli;

return BnaxisCommand.Run(args, Console.Out, Console.Error);
