using System.CommandLine;
using ClusterKit.Cli.Control;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli;

/// <summary>The options that say which manager `ck cluster` and `ck node` talk to, and how ck reaches it.</summary>
internal static class ManagerContext
{
    public static Option<string?> ManagerSocket { get; } = new("--manager-socket")
    {
        Description = $"The manager's local control socket (default $CK_MANAGER_SOCKET or {ManagerConnection.DefaultSocket})",
        Recursive = true,
    };

    public static Option<string?> Host { get; } = new("--host", "-H")
    {
        Description = "A manager's API address HOST:PORT, reached over TLS with ck's admin certificate (default $CK_HOST; without it, the local socket)",
        Recursive = true,
    };

    public static Option<string?> ConfigDirectory { get; } = new("--config-dir")
    {
        Description = "Where ck keeps admin.pem and trust.pem (default $XDG_CONFIG_HOME/clusterkit or ~/.config/clusterkit)",
        Recursive = true,
    };

    public static void AddTo(Command command)
    {
        command.Options.Add(ManagerSocket);
        command.Options.Add(Host);
        command.Options.Add(ConfigDirectory);
    }

    public static string SocketPath(ParseResult result) => ManagerConnection.ResolveSocket(result.GetValue(ManagerSocket), Environment.GetEnvironmentVariable);

    /// <summary>--host or $CK_HOST, checked; null for the local socket.</summary>
    public static string? HostAddress(ParseResult result)
    {
        var host = result.GetValue(Host) ?? Environment.GetEnvironmentVariable("CK_HOST");
        return string.IsNullOrEmpty(host) ? null : HostPort.Parse(host, result.GetValue(Host) is null ? "$CK_HOST" : "--host");
    }

    public static AdminCredentialFiles AdminFiles(ParseResult result) =>
        new(AdminCredentialFiles.ResolveDirectory(result.GetValue(ConfigDirectory), Environment.GetEnvironmentVariable));

    /// <summary>As <see cref="AdminFiles"/>, or null when no config directory can be named (no $HOME).</summary>
    public static AdminCredentialFiles? TryAdminFiles(ParseResult result)
    {
        try
        {
            return AdminFiles(result);
        }
        catch (SpecFormatException)
        {
            return null;
        }
    }

    /// <summary>The TLS API when a host is given, else this host's local socket.</summary>
    public static ManagerConnection Connect(ParseResult result)
    {
        var host = HostAddress(result);
        return host is null
            ? ManagerConnection.ForSocket(SocketPath(result))
            : ManagerConnection.ForHost(host, AdminFiles(result).Load(host), TimeProvider.System);
    }

    /// <summary>For commands that act on this host's daemons only (init, join): --host makes no sense there.</summary>
    public static void RequireLocal(ParseResult result, string command)
    {
        if (result.GetValue(Host) is { } host)
        {
            throw new SpecFormatException($"--host {host}: `{command}` acts on this host's daemons through their local sockets; allowed: run it on the host itself without --host");
        }
    }

    /// <summary>--format: json or pretty.</summary>
    public static bool IsJson(string? format, bool jsonByDefault) => format switch
    {
        null => jsonByDefault,
        "json" => true,
        "pretty" => false,
        _ => throw new SpecFormatException($"--format '{format}' is unknown; allowed: json, pretty"),
    };
}
