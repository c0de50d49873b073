using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ClusterKit.Worker.Containers;

/// <summary>Container ids and names: 64 random hex characters, and Docker's name rule.</summary>
internal static partial class ContainerNames
{
    private static readonly string[] Adjectives = ["brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "keen", "lucid", "merry", "nimble", "proud", "quiet", "swift", "tidy", "vivid"];
    private static readonly string[] Nouns = ["otter", "heron", "lynx", "finch", "ibex", "koala", "marten", "newt", "orca", "panda", "quail", "raven", "stoat", "tapir", "vole", "wren"];

    public static string NewId() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();

    public static string Generate(Func<string, bool> inUse)
    {
        for (var attempt = 0; ; attempt++)
        {
            var name = $"{Adjectives[RandomNumberGenerator.GetInt32(Adjectives.Length)]}_{Nouns[RandomNumberGenerator.GetInt32(Nouns.Length)]}";
            if (attempt > 8)
            {
                name += "_" + RandomNumberGenerator.GetInt32(1000, 10000);
            }

            if (!inUse(name))
            {
                return name;
            }
        }
    }

    public static void Validate(string name)
    {
        if (!NameRule().IsMatch(name))
        {
            throw new ArgumentException($"invalid container name '{name}': use letters, digits, '_', '.' and '-', starting with a letter or digit, at most 128 characters");
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$")]
    private static partial Regex NameRule();
}
