namespace ClusterKit.Worker.Host;

/// <summary>Kernel calls that start a helper process without .NET's Process machinery, and collect its exit.</summary>
public partial interface ISystemCalls
{
    /// <summary>pipe2(2) with O_CLOEXEC: the read and the write end.</summary>
    (int Read, int Write) CreatePipe();

    /// <summary>
    /// posix_spawn(3) of <paramref name="path"/> with <paramref name="arguments"/> (argv[0] first),
    /// an empty environment, default signal handlers and an empty signal mask.
    /// <paramref name="stdin"/> and <paramref name="stdout"/> become its descriptors 0 and 1, 2 is
    /// inherited; the worker opens everything else close-on-exec. Returns the child's pid.
    /// </summary>
    int Spawn(string path, IReadOnlyList<string> arguments, int stdin, int stdout);

    /// <summary>
    /// waitid(P_PIDFD, WEXITED | WNOHANG): collects the exit status of a child of the worker that
    /// has exited, so that it does not stay a zombie. False if the process is not our child (e.g.
    /// a shim adopted after a restart) or still runs.
    /// </summary>
    bool ReapChild(int pidfd);
}
