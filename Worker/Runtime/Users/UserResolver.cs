using System.Globalization;

namespace ClusterKit.Worker.Runtime.Users;

/// <summary>
/// Resolves Docker's --user ("name", "uid", "name:group", "uid:gid") against the image's
/// /etc/passwd and /etc/group text, as runc does: a numeric uid needs no passwd entry (its
/// gid is then 0), names must exist; additional groups are the groups that list the user.
/// </summary>
public static class UserResolver
{
    public static ResolvedUser Resolve(string? spec, string? passwd, string? group)
    {
        var users = ParseColonFile(passwd, 7);
        var groups = ParseColonFile(group, 4);
        spec = string.IsNullOrWhiteSpace(spec) ? "0" : spec.Trim();
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var userPart = colon >= 0 ? spec[..colon] : spec;
        var groupPart = colon >= 0 ? spec[(colon + 1)..] : null;

        string[]? entry;
        uint uid;
        if (uint.TryParse(userPart, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
        {
            entry = users.FirstOrDefault(u => u[2] == userPart);
        }
        else
        {
            entry = users.FirstOrDefault(u => u[0] == userPart)
                ?? throw new ArgumentException($"user \"{userPart}\" (from --user \"{spec}\") has no entry in the image's /etc/passwd", nameof(spec));
            uid = Number(entry[2], "uid of " + userPart);
        }

        var gid = entry is null ? 0 : Number(entry[3], "gid of " + userPart);
        if (!string.IsNullOrEmpty(groupPart))
        {
            if (!uint.TryParse(groupPart, NumberStyles.None, CultureInfo.InvariantCulture, out gid))
            {
                var g = groups.FirstOrDefault(x => x[0] == groupPart)
                    ?? throw new ArgumentException($"group \"{groupPart}\" (from --user \"{spec}\") has no entry in the image's /etc/group", nameof(spec));
                gid = Number(g[2], "gid of group " + groupPart);
            }
        }

        var additional = new List<uint>();
        if (entry is not null)
        {
            foreach (var g in groups)
            {
                var members = g[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (members.Contains(entry[0]) && uint.TryParse(g[2], CultureInfo.InvariantCulture, out var extra) && extra != gid && !additional.Contains(extra))
                {
                    additional.Add(extra);
                }
            }
        }

        var home = entry is not null && entry[5].Length > 0 ? entry[5] : "/";
        return new ResolvedUser(uid, gid, additional, home);
    }

    private static uint Number(string text, string what) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"{what} is \"{text}\" in the image, expected a number");

    private static List<string[]> ParseColonFile(string? text, int fields) =>
        (text ?? string.Empty).Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split(':'))
            .Where(parts => parts.Length >= fields - 1)
            .Select(parts => parts.Length >= fields ? parts : [.. parts, string.Empty])
            .ToList();
}
