using System.Globalization;

namespace ClusterKit.Worker.Containers;

/// <summary>Signal names and numbers (x86_64 Linux) as `kill -s` and --stop-signal accept them.</summary>
public static class Signals
{
    public const int Kill = 9;
    public const int Term = 15;

    private static readonly Dictionary<string, int> Numbers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["ILL"] = 4, ["TRAP"] = 5, ["ABRT"] = 6, ["BUS"] = 7, ["FPE"] = 8,
        ["KILL"] = 9, ["USR1"] = 10, ["SEGV"] = 11, ["USR2"] = 12, ["PIPE"] = 13, ["ALRM"] = 14, ["TERM"] = 15,
        ["STKFLT"] = 16, ["CHLD"] = 17, ["CONT"] = 18, ["STOP"] = 19, ["TSTP"] = 20, ["TTIN"] = 21, ["TTOU"] = 22,
        ["URG"] = 23, ["XCPU"] = 24, ["XFSZ"] = 25, ["VTALRM"] = 26, ["PROF"] = 27, ["WINCH"] = 28, ["IO"] = 29,
        ["PWR"] = 30, ["SYS"] = 31,
    };

    /// <summary>Parses "KILL", "SIGKILL", "sigkill" or "9".</summary>
    public static int Parse(string text)
    {
        var value = text.Trim();
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            if (number is >= 1 and <= 64)
            {
                return number;
            }
        }
        else
        {
            var name = value.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? value[3..] : value;
            if (Numbers.TryGetValue(name, out number))
            {
                return number;
            }
        }

        throw new ArgumentException($"invalid signal '{text}': use a name such as TERM, KILL, HUP, USR1 (with or without SIG) or a number from 1 to 64");
    }

    public static string Name(int signal) =>
        Numbers.FirstOrDefault(p => p.Value == signal).Key is { } name ? "SIG" + name : signal.ToString(CultureInfo.InvariantCulture);
}
