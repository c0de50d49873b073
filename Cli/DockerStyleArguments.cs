using System.CommandLine;

namespace ClusterKit.Cli;

/// <summary>
/// Docker stops reading flags at the first positional argument of run, create and exec, so
/// `ck container run busybox ls -la` passes `-la` to ls. This inserts the `--` that tells
/// System.CommandLine the same thing, right after the first positional argument.
/// </summary>
internal static class DockerStyleArguments
{
    public static string[] Normalise(RootCommand root, string[] args)
    {
        Command command = root;
        var index = 0;
        for (; index < args.Length; index++)
        {
            var next = command.Subcommands.FirstOrDefault(c => c.Name == args[index] || c.Aliases.Contains(args[index]));
            if (next is null)
            {
                break;
            }

            command = next;
        }

        if (command.Arguments.Count > 0 && IsPassThrough(command))
        {
            for (; index < args.Length; index++)
            {
                var token = args[index];
                if (token == "--")
                {
                    return args;
                }

                if (!token.StartsWith('-') || token == "-")
                {
                    // The first positional: everything after it belongs to the container's command.
                    return [.. args[..(index + 1)], "--", .. args[(index + 1)..]];
                }

                var name = token.Split('=', 2)[0];
                var option = FindOption(command, name);
                if (option is not null && !token.Contains('=', StringComparison.Ordinal) && option.Arity.MaximumNumberOfValues > 0 && option.ValueType != typeof(bool))
                {
                    index++;
                }
            }
        }

        return args;
    }

    /// <summary>`ck container run|create|exec` only: `ck registry credential create NAME --push` keeps its options.</summary>
    private static bool IsPassThrough(Command command) =>
        command.Name is "run" or "create" or "exec" && command.Parents.OfType<Command>().FirstOrDefault()?.Name == "container";

    private static Option? FindOption(Command command, string name)
    {
        for (var current = command; current is not null; current = current.Parents.OfType<Command>().FirstOrDefault())
        {
            var option = current.Options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));
            if (option is not null)
            {
                return option;
            }
        }

        return null;
    }
}
