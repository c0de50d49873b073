namespace ClusterKit.Worker.Runtime;

/// <summary>A command to run in a running container (docker exec).</summary>
public sealed record ExecOptions
{
    public required IReadOnlyList<string> Args { get; init; }

    /// <summary>Added to (and overriding) the container's environment.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    /// <summary>Null runs in the container's working directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Null runs as the container's user.</summary>
    public string? User { get; init; }

    /// <summary>A pty inside the container; its output arrives on StandardOutput.</summary>
    public bool Tty { get; init; }

    /// <summary>With <see cref="Tty"/>: the pty's size when the command starts (null leaves the kernel's 0x0).</summary>
    public TerminalSize? TerminalSize { get; init; }
}

/// <summary>A terminal's size in character cells.</summary>
public readonly record struct TerminalSize(ushort Rows, ushort Columns);
