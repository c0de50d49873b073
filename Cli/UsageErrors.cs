using System.CommandLine;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli;

/// <summary>
/// A command line ck cannot parse, said in one line (what is wrong, with the closest command or
/// option when a name is mistyped) and a usage line, instead of the whole help text.
/// </summary>
internal static class UsageErrors
{
    public static string Describe(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var command = parse.CommandResult.Command;
        return Problem(parse, command) + Environment.NewLine + Usage(parse);
    }

    private static string Problem(ParseResult parse, Command command)
    {
        var path = PathOf(parse);
        var unmatched = parse.UnmatchedTokens.Count > 0 ? parse.UnmatchedTokens[0] : null;
        if (unmatched is not null && unmatched.StartsWith('-') && unmatched != "-")
        {
            var names = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Concat(parse.RootCommandResult.Command.Options.Where(o => o.Recursive).SelectMany(o => o.Aliases.Prepend(o.Name)));
            return $"unknown option '{unmatched}' for '{path}'" + Suggestion(unmatched, names);
        }

        if (unmatched is not null && command.Subcommands.Count > 0)
        {
            var names = command.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name));
            return $"unknown command '{unmatched}' for '{path}'" + Suggestion(unmatched, names);
        }

        if (unmatched is not null)
        {
            return $"unexpected argument '{unmatched}' for '{path}'";
        }

        var missing = command.Arguments.FirstOrDefault(a => a.Arity.MinimumNumberOfValues > 0 && (parse.GetResult(a)?.Tokens.Count ?? 0) == 0);
        if (missing is not null)
        {
            return $"missing argument {ArgumentName(missing)} for '{path}'";
        }

        if (command.Subcommands.Count > 0 && command.Action is null)
        {
            return $"'{path}' needs a command: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}";
        }

        return parse.Errors[0].Message;
    }

    /// <summary>usage: ck container rm [options] CONTAINER... (ck container rm --help for more)</summary>
    public static string Usage(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var command = parse.CommandResult.Command;
        var path = PathOf(parse);
        var parts = new List<string> { path };
        if (command.Options.Any(o => !o.Hidden && o.Name is not "--help" and not "--version"))
        {
            parts.Add("[options]");
        }

        if (command.Subcommands.Count > 0)
        {
            parts.Add("COMMAND");
        }

        foreach (var argument in command.Arguments.Where(a => !a.Hidden))
        {
            var name = ArgumentName(argument) + (argument.Arity.MaximumNumberOfValues > 1 ? "..." : string.Empty);
            parts.Add(argument.Arity.MinimumNumberOfValues == 0 ? $"[{name}]" : name);
        }

        return $"usage: {string.Join(' ', parts)}  ({path} --help for more)";
    }

    private static string Suggestion(string typed, IEnumerable<string> names)
        => ClosestName.Find(typed, names) is { } closest ? $"; did you mean '{closest}'?" : string.Empty;

    private static string ArgumentName(Argument argument) => (argument.HelpName ?? argument.Name).ToUpperInvariant();

    private static string PathOf(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(result.Command is RootCommand ? "ck" : result.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
