using System.Globalization;

namespace ClusterKit.Worker.Cgroups.Devices;

/// <summary>
/// One allow rule of the devices cgroup: a type ('c' character, 'b' block, 'a' both), a major and
/// a minor number (<see cref="Any"/> matches every number) and the access it grants, a non-empty
/// subset of "rwm" (read, write, mknod). Everything no rule allows is denied.
/// </summary>
public sealed record DeviceRule(char Type, long Major, long Minor, string Access)
{
    /// <summary>The wildcard number, written "*".</summary>
    public const long Any = -1;

    /// <summary>Linux's dev_t holds 12 bits of major and 20 bits of minor.</summary>
    public const long MaxMajor = (1 << 12) - 1;

    public const long MaxMinor = (1 << 20) - 1;

    public static DeviceRule Character(long major, long minor, string access = "rwm") => new('c', major, minor, access);

    public static DeviceRule Block(long major, long minor, string access = "rwm") => new('b', major, minor, access);

    /// <summary>The access bits as the kernel's BPF context encodes them: mknod 1, read 2, write 4.</summary>
    public int AccessMask => (Access.Contains('m', StringComparison.Ordinal) ? 1 : 0) |
                             (Access.Contains('r', StringComparison.Ordinal) ? 2 : 0) |
                             (Access.Contains('w', StringComparison.Ordinal) ? 4 : 0);

    /// <summary>Throws <see cref="ArgumentException"/> naming the rule and what is allowed.</summary>
    public void Validate()
    {
        if (Type is not ('a' or 'b' or 'c'))
        {
            throw new ArgumentException($"device rule {this}: type '{Type}' is invalid; use c (character), b (block) or a (all)");
        }

        if (Major != Any && (Major < 0 || Major > MaxMajor))
        {
            throw new ArgumentException($"device rule {this}: major {Major} is out of range; use 0-{MaxMajor} or * (any)");
        }

        if (Minor != Any && (Minor < 0 || Minor > MaxMinor))
        {
            throw new ArgumentException($"device rule {this}: minor {Minor} is out of range; use 0-{MaxMinor} or * (any)");
        }

        if (!IsAccessSet(Access))
        {
            throw new ArgumentException($"device rule {this}: access \"{Access}\" is invalid; use a non-empty combination of r, w and m");
        }
    }

    /// <summary>A non-empty combination of r, w and m, each at most once.</summary>
    public static bool IsAccessSet(string? access) =>
        access is { Length: > 0 and <= 3 } && access.All(c => c is 'r' or 'w' or 'm') && access.Distinct().Count() == access.Length;

    /// <summary>The devices.allow line of cgroup v1: "c 1:3 rwm", "c 136:* rwm".</summary>
    public override string ToString() => $"{Type} {Number(Major)}:{Number(Minor)} {Access}";

    private static string Number(long value) => value == Any ? "*" : value.ToString(CultureInfo.InvariantCulture);
}
