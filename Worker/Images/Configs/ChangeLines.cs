using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ClusterKit.Worker.Images.Configs;

/// <summary>
/// Applies Dockerfile-like change lines (<c>ck image import --change</c>, <c>ck container commit --change</c>)
/// to an image's container config: CMD, ENTRYPOINT, ENV, WORKDIR, EXPOSE, LABEL, USER, STOPSIGNAL,
/// VOLUME and HEALTHCHECK. Pure: the input config is not modified.
/// </summary>
public static class ChangeLines
{
    private const string Allowed = "CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR";

    public static ContainerConfig Apply(ContainerConfig? config, IEnumerable<string> changes)
    {
        var result = config?.Clone() ?? new ContainerConfig();
        var cmdSet = false;
        foreach (var line in changes)
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            var space = trimmed.IndexOfAny([' ', '\t']);
            var instruction = (space < 0 ? trimmed : trimmed[..space]).ToUpperInvariant();
            var arguments = space < 0 ? string.Empty : trimmed[(space + 1)..].Trim();
            try
            {
                switch (instruction)
                {
                    case "CMD":
                        result.Cmd = [.. Command(arguments)];
                        cmdSet = true;
                        break;
                    case "ENTRYPOINT":
                        result.Entrypoint = [.. Command(arguments)];
                        if (!cmdSet)
                        {
                            // Docker's rule: a new entrypoint drops the Cmd inherited from the base image.
                            result.Cmd = null;
                        }

                        break;
                    case "ENV":
                        result.Env = [.. MergeEnv(result.Env, KeyValues(arguments, "ENV"))];
                        break;
                    case "LABEL":
                        result.Labels ??= [];
                        foreach (var (key, value) in KeyValues(arguments, "LABEL"))
                        {
                            result.Labels[key] = value;
                        }

                        break;
                    case "WORKDIR":
                        result.WorkingDir = WorkingDir(result.WorkingDir, arguments);
                        break;
                    case "EXPOSE":
                        result.ExposedPorts ??= [];
                        foreach (var port in Ports(arguments))
                        {
                            result.ExposedPorts[port] = EmptyObject.Instance;
                        }

                        break;
                    case "USER":
                        result.User = Required(arguments, "a user name or uid[:gid]");
                        break;
                    case "STOPSIGNAL":
                        result.StopSignal = StopSignal(arguments);
                        break;
                    case "VOLUME":
                        result.Volumes ??= [];
                        foreach (var volume in Volumes(arguments))
                        {
                            result.Volumes[volume] = EmptyObject.Instance;
                        }

                        break;
                    case "HEALTHCHECK":
                        result.Healthcheck = Healthcheck(arguments);
                        break;
                    default:
                        throw new FormatException($"unknown instruction {instruction}; allowed: {Allowed}");
                }
            }
            catch (FormatException ex)
            {
                throw new ImageStoreException(ImageErrorKind.InvalidArgument, $"invalid change '{trimmed}': {ex.Message}", ex);
            }
        }

        return result;
    }

    /// <summary>Exec form <c>["a","b"]</c> as given; shell form wrapped in /bin/sh -c.</summary>
    internal static IReadOnlyList<string> Command(string arguments)
    {
        Required(arguments, "a command in exec form [\"executable\",\"arg\"] or shell form");
        if (arguments.StartsWith('['))
        {
            string[]? parts;
            try
            {
                parts = JsonSerializer.Deserialize<string[]>(arguments);
            }
            catch (JsonException ex)
            {
                throw new FormatException($"exec form must be a JSON array of strings ({ex.Message})", ex);
            }

            if (parts is null || parts.Length == 0 || parts.Any(p => p is null))
            {
                throw new FormatException("exec form must be a non-empty JSON array of strings");
            }

            return parts;
        }

        return ["/bin/sh", "-c", arguments];
    }

    internal static IEnumerable<string> MergeEnv(IEnumerable<string>? existing, IEnumerable<(string Key, string Value)> updates)
    {
        var merged = new List<string>(existing ?? []);
        foreach (var (key, value) in updates)
        {
            var index = merged.FindIndex(e => EnvKey(e) == key);
            var entry = key + "=" + value;
            if (index >= 0)
            {
                merged[index] = entry;
            }
            else
            {
                merged.Add(entry);
            }
        }

        return merged;
    }

    internal static string EnvKey(string entry)
    {
        var equals = entry.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? entry : entry[..equals];
    }

    /// <summary>KEY=VALUE pairs (values may be quoted), or the legacy single "KEY rest of line" form.</summary>
    internal static IReadOnlyList<(string Key, string Value)> KeyValues(string arguments, string instruction)
    {
        Required(arguments, "KEY=VALUE pairs");
        var words = Words(arguments);
        if (!words[0].Contains('=', StringComparison.Ordinal))
        {
            if (words.Count < 2)
            {
                throw new FormatException($"{instruction} needs KEY=VALUE (or KEY VALUE)");
            }

            var firstSpace = arguments.IndexOfAny([' ', '\t']);
            return [(words[0], arguments[(firstSpace + 1)..].Trim())];
        }

        var pairs = new List<(string, string)>();
        foreach (var word in words)
        {
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"'{word}' is not KEY=VALUE");
            }

            pairs.Add((word[..equals], word[(equals + 1)..]));
        }

        return pairs;
    }

    /// <summary>Splits on unquoted whitespace; double and single quotes group, backslash escapes.</summary>
    internal static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is null && char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }

                continue;
            }

            inWord = true;
            if (c == '\\' && quote != '\'' && i + 1 < text.Length)
            {
                current.Append(text[++i]);
            }
            else if (quote is null && c is '"' or '\'')
            {
                quote = c;
            }
            else if (quote == c)
            {
                quote = null;
            }
            else
            {
                current.Append(c);
            }
        }

        if (quote is not null)
        {
            throw new FormatException($"unterminated {quote} quote");
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    internal static string WorkingDir(string? current, string arguments)
    {
        var path = Required(arguments, "a directory");
        if (path.StartsWith('/'))
        {
            return path;
        }

        // A relative WORKDIR is relative to the previous one, as in a Dockerfile.
        var baseDir = string.IsNullOrEmpty(current) ? "/" : current;
        return baseDir.TrimEnd('/') + "/" + path;
    }

    internal static IEnumerable<string> Ports(string arguments)
    {
        Required(arguments, "ports such as 80, 80/tcp, 53/udp or 8000-8002/tcp");
        foreach (var word in Words(arguments))
        {
            var slash = word.IndexOf('/', StringComparison.Ordinal);
            var protocol = slash < 0 ? "tcp" : word[(slash + 1)..].ToLowerInvariant();
            var range = slash < 0 ? word : word[..slash];
            if (protocol is not ("tcp" or "udp" or "sctp"))
            {
                throw new FormatException($"port '{word}' has protocol '{protocol}'; allowed: tcp, udp, sctp");
            }

            var dash = range.IndexOf('-', StringComparison.Ordinal);
            var first = Port(dash < 0 ? range : range[..dash], word);
            var last = dash < 0 ? first : Port(range[(dash + 1)..], word);
            if (last < first)
            {
                throw new FormatException($"port range '{word}' ends before it starts");
            }

            for (var port = first; port <= last; port++)
            {
                yield return $"{port}/{protocol}";
            }
        }
    }

    private static int Port(string text, string word) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw new FormatException($"port '{word}' is not a number from 1 to 65535");

    internal static string StopSignal(string arguments)
    {
        var signal = Required(arguments, "a signal name or number");
        if (int.TryParse(signal, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number is >= 1 and <= 64 ? signal : throw new FormatException($"signal number {signal} is outside 1-64");
        }

        var name = signal.ToUpperInvariant();
        var bare = name.StartsWith("SIG", StringComparison.Ordinal) ? name[3..] : name;
        return SignalNames.Contains(bare) || bare.StartsWith("RTMIN", StringComparison.Ordinal) || bare.StartsWith("RTMAX", StringComparison.Ordinal)
            ? "SIG" + bare
            : throw new FormatException($"unknown signal '{signal}'; use a name such as SIGTERM or a number");
    }

    private static readonly HashSet<string> SignalNames =
    [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM",
        "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    internal static IEnumerable<string> Volumes(string arguments)
    {
        Required(arguments, "one or more absolute paths");
        IEnumerable<string> paths = arguments.StartsWith('[') ? Command(arguments) : Words(arguments);
        foreach (var path in paths)
        {
            if (!path.StartsWith('/'))
            {
                throw new FormatException($"volume '{path}' must be an absolute path");
            }

            yield return path;
        }
    }

    /// <summary><c>HEALTHCHECK [--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D] [--retries=N] CMD ...</c> or <c>NONE</c>.</summary>
    internal static HealthcheckConfig Healthcheck(string arguments)
    {
        Required(arguments, "NONE or [options] CMD command");
        var rest = arguments;
        var check = new HealthcheckConfig { Retries = 0 };
        while (rest.StartsWith("--", StringComparison.Ordinal))
        {
            var end = rest.IndexOfAny([' ', '\t']);
            var option = end < 0 ? rest : rest[..end];
            rest = end < 0 ? string.Empty : rest[(end + 1)..].TrimStart();
            var equals = option.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw new FormatException($"option '{option}' needs a value (--name=value)");
            }

            var value = option[(equals + 1)..];
            switch (option[..equals])
            {
                case "--interval": check.Interval = Duration(value, option); break;
                case "--timeout": check.Timeout = Duration(value, option); break;
                case "--start-period": check.StartPeriod = Duration(value, option); break;
                case "--start-interval": check.StartInterval = Duration(value, option); break;
                case "--retries":
                    check.Retries = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var retries)
                        ? retries
                        : throw new FormatException($"--retries must be a non-negative integer, got '{value}'");
                    break;
                default:
                    throw new FormatException($"unknown HEALTHCHECK option '{option}'; allowed: --interval, --timeout, --start-period, --start-interval, --retries");
            }
        }

        var space = rest.IndexOfAny([' ', '\t']);
        var kind = (space < 0 ? rest : rest[..space]).ToUpperInvariant();
        var command = space < 0 ? string.Empty : rest[(space + 1)..].Trim();
        switch (kind)
        {
            case "NONE" when command.Length == 0:
                return new HealthcheckConfig { Test = ["NONE"] };
            case "CMD":
                var parts = Command(command);
                check.Test = parts.Count == 3 && parts[0] == "/bin/sh" && parts[1] == "-c" && !command.StartsWith('[')
                    ? ["CMD-SHELL", parts[2]]
                    : ["CMD", .. parts];
                return check;
            default:
                throw new FormatException("HEALTHCHECK needs NONE or CMD followed by a command");
        }
    }

    /// <summary>Go-style durations (300ms, 30s, 1m30s, 1h) in nanoseconds.</summary>
    internal static long Duration(string text, string option)
    {
        if (text.Length == 0)
        {
            throw new FormatException($"{option} needs a duration such as 30s");
        }

        long total = 0;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            if (start == unitStart || !double.TryParse(text[start..unitStart], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                throw new FormatException($"{option}: '{text}' is not a duration such as 30s, 1m30s or 500ms");
            }

            var nanosPerUnit = text[unitStart..i] switch
            {
                "ns" => 1L,
                "us" or "µs" => 1_000L,
                "ms" => 1_000_000L,
                "s" => 1_000_000_000L,
                "m" => 60_000_000_000L,
                "h" => 3_600_000_000_000L,
                var unit => throw new FormatException($"{option}: unit '{unit}' in '{text}' is not one of ns, us, ms, s, m, h"),
            };
            total += (long)(amount * nanosPerUnit);
        }

        return total;
    }

    private static string Required(string arguments, string what) =>
        arguments.Length > 0 ? arguments : throw new FormatException($"missing argument: expected {what}");
}
