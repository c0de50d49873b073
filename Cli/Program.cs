using ClusterKit.Cli;

return await CliProgram.RunAsync(args, Console.Out, Console.Error);
