using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Worker.Session;

/// <summary>What a worker tells the managers about its host: real resources, platform, version.</summary>
public static class HostDescription
{
    private const long NanoCpusPerCore = 1_000_000_000;

    public static NodeDescription Read(IReadOnlyDictionary<string, string>? labels = null)
    {
        var description = new NodeDescription
        {
            Hostname = Environment.MachineName,
            Platform = new Platform { Os = "linux", Architecture = Architecture(RuntimeInformation.OSArchitecture) },
            Resources = new Resources
            {
                NanoCpus = Environment.ProcessorCount * NanoCpusPerCore,
                MemoryBytes = ParseMemTotal(File.ReadAllText("/proc/meminfo")),
                Pids = ReadLong("/proc/sys/kernel/pid_max"),
            },
            EngineVersion = EngineVersion,
        };
        if (labels is not null)
        {
            foreach (var (key, value) in labels)
            {
                description.EngineLabels[key] = value;
            }
        }

        return description;
    }

    /// <summary>The worker's informational version (as built), e.g. "1.0.0+abc123".</summary>
    public static string EngineVersion { get; } =
        typeof(HostDescription).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(HostDescription).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>MemTotal from /proc/meminfo, in bytes.</summary>
    public static long ParseMemTotal(string meminfo)
    {
        ArgumentNullException.ThrowIfNull(meminfo);
        foreach (var line in meminfo.Split('\n'))
        {
            if (!line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line["MemTotal:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 2 && fields[1] == "kB" && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
            {
                return kib * 1024;
            }

            throw new FormatException($"/proc/meminfo line '{line.Trim()}' is not 'MemTotal: N kB'");
        }

        throw new FormatException("/proc/meminfo has no MemTotal line");
    }

    /// <summary>uname names, as engines report them (the scheduler maps them to image names).</summary>
    internal static string Architecture(System.Runtime.InteropServices.Architecture architecture) => architecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "x86_64",
        System.Runtime.InteropServices.Architecture.Arm64 => "aarch64",
        System.Runtime.InteropServices.Architecture.Arm => "armv7l",
        System.Runtime.InteropServices.Architecture.X86 => "i686",
        _ => architecture.ToString().ToLowerInvariant(),
    };

    private static long ReadLong(string path)
        => File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
