namespace ClusterKit.Worker.Runtime.Plan;

/// <summary>MS_* flags of mount(2) as the plan carries them.</summary>
internal static class LinuxMount
{
    public const ulong ReadOnly = 1;
    public const ulong NoSuid = 2;
    public const ulong NoDev = 4;
    public const ulong NoExec = 8;
    public const ulong Bind = 4096;
    public const ulong Recursive = 16384;
    public const ulong Private = 1 << 18;
    public const ulong StrictAtime = 1 << 24;

    /// <summary>
    /// Docker's --tmpfs / --mount option words: flag words become MS_* flags (starting from
    /// Docker's default noexec,nosuid,nodev), everything else (size=, mode=, ...) is data.
    /// </summary>
    public static (ulong Flags, string Data) ParseTmpfsOptions(string options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var flags = NoExec | NoSuid | NoDev;
        var data = new List<string>();
        foreach (var word in options.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (word)
            {
                case "ro": flags |= ReadOnly; break;
                case "rw": flags &= ~ReadOnly; break;
                case "exec": flags &= ~NoExec; break;
                case "noexec": flags |= NoExec; break;
                case "suid": flags &= ~NoSuid; break;
                case "nosuid": flags |= NoSuid; break;
                case "dev": flags &= ~NoDev; break;
                case "nodev": flags |= NoDev; break;
                default:
                    if (word.StartsWith("size=", StringComparison.Ordinal) || word.StartsWith("mode=", StringComparison.Ordinal) ||
                        word.StartsWith("uid=", StringComparison.Ordinal) || word.StartsWith("gid=", StringComparison.Ordinal) ||
                        word.StartsWith("nr_inodes=", StringComparison.Ordinal))
                    {
                        data.Add(word);
                        break;
                    }

                    throw new ArgumentException(
                        $"tmpfs option \"{word}\" in \"{options}\" is not supported: allowed are ro, rw, exec, noexec, suid, nosuid, dev, nodev, size=, mode=, uid=, gid=, nr_inodes=",
                        nameof(options));
            }
        }

        return (flags, string.Join(',', data));
    }
}
