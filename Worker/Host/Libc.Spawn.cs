using System.Runtime.InteropServices;

namespace ClusterKit.Worker.Host;

internal static partial class Libc
{
    public const int O_CLOEXEC = 0x80000;
    public const short POSIX_SPAWN_SETSIGDEF = 0x04;
    public const short POSIX_SPAWN_SETSIGMASK = 0x08;
    public const int P_PIDFD = 3;
    public const int WEXITED = 4;
    public const int WNOHANG = 1;
    public const int ECHILD = 10;

    /// <summary>glibc's posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336; rounded up.</summary>
    public const int SpawnFileActionsSize = 128;
    public const int SpawnAttributesSize = 512;

    /// <summary>sigset_t is 128 bytes; siginfo_t 128.</summary>
    public const int SignalSetSize = 128;
    public const int SignalInfoSize = 128;

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int pipe2(int* fds, int flags);

    [LibraryImport("libc")]
    public static unsafe partial int posix_spawn_file_actions_init(byte* actions);

    [LibraryImport("libc")]
    public static unsafe partial int posix_spawn_file_actions_destroy(byte* actions);

    [LibraryImport("libc")]
    public static unsafe partial int posix_spawn_file_actions_adddup2(byte* actions, int fd, int newFd);

    [LibraryImport("libc")]
    public static unsafe partial int posix_spawnattr_init(byte* attributes);

    [LibraryImport("libc")]
    public static unsafe partial int posix_spawnattr_destroy(byte* attributes);

    [LibraryImport("libc")]
    public static unsafe partial int posix_spawnattr_setflags(byte* attributes, short flags);

    [LibraryImport("libc")]
    public static unsafe partial int posix_spawnattr_setsigmask(byte* attributes, byte* signals);

    [LibraryImport("libc")]
    public static unsafe partial int posix_spawnattr_setsigdefault(byte* attributes, byte* signals);

    [LibraryImport("libc")]
    public static unsafe partial int posix_spawn(int* pid, byte* path, byte* actions, byte* attributes, byte** argv, byte** envp);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int waitid(int idType, int id, byte* info, int options);
}
