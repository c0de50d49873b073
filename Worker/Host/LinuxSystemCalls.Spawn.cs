using System.Runtime.InteropServices;
using System.Text;

namespace ClusterKit.Worker.Host;

public sealed partial class LinuxSystemCalls
{
    public unsafe (int Read, int Write) CreatePipe()
    {
        var fds = stackalloc int[2];
        return Libc.pipe2(fds, Libc.O_CLOEXEC) == 0
            ? (fds[0], fds[1])
            : throw new KernelCallException("pipe2", "O_CLOEXEC", Marshal.GetLastPInvokeError());
    }

    public unsafe int Spawn(string path, IReadOnlyList<string> arguments, int stdin, int stdout)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(arguments);

        // Every string NUL-terminated in one block, argv pointing into it (no allocation per argument).
        var strings = new List<string>(arguments.Count + 1) { path };
        strings.AddRange(arguments);
        var offsets = new int[strings.Count];
        var length = 0;
        for (var i = 0; i < strings.Count; i++)
        {
            offsets[i] = length;
            length += Encoding.UTF8.GetByteCount(strings[i]) + 1;
        }

        var block = new byte[length];
        for (var i = 0; i < strings.Count; i++)
        {
            Encoding.UTF8.GetBytes(strings[i], block.AsSpan(offsets[i]));
        }

        var actions = stackalloc byte[Libc.SpawnFileActionsSize];
        var attributes = stackalloc byte[Libc.SpawnAttributesSize];
        var emptySet = stackalloc byte[Libc.SignalSetSize];
        var fullSet = stackalloc byte[Libc.SignalSetSize];
        new Span<byte>(emptySet, Libc.SignalSetSize).Clear();
        new Span<byte>(fullSet, Libc.SignalSetSize).Fill(0xff);
        var argv = stackalloc byte*[arguments.Count + 1];
        var envp = stackalloc byte*[1];
        envp[0] = null;
        int pid;
        int error;
        fixed (byte* text = block)
        {
            for (var i = 0; i < arguments.Count; i++)
            {
                argv[i] = text + offsets[i + 1];
            }

            argv[arguments.Count] = null;
            Check(Libc.posix_spawn_file_actions_init(actions), "file_actions_init");
            if (Libc.posix_spawnattr_init(attributes) is var initError and not 0)
            {
                _ = Libc.posix_spawn_file_actions_destroy(actions);
                throw new KernelCallException("posix_spawnattr_init", path, initError);
            }

            try
            {
                // dup2 onto 0 and 1 clears close-on-exec there; the pipes' own descriptors close at exec.
                Check(Libc.posix_spawn_file_actions_adddup2(actions, stdin, 0), "adddup2");
                Check(Libc.posix_spawn_file_actions_adddup2(actions, stdout, 1), "adddup2");
                Check(Libc.posix_spawnattr_setsigmask(attributes, emptySet), "setsigmask");
                Check(Libc.posix_spawnattr_setsigdefault(attributes, fullSet), "setsigdefault");
                Check(Libc.posix_spawnattr_setflags(attributes, Libc.POSIX_SPAWN_SETSIGDEF | Libc.POSIX_SPAWN_SETSIGMASK), "setflags");
                error = Libc.posix_spawn(&pid, text, actions, attributes, argv, envp);
            }
            finally
            {
                _ = Libc.posix_spawnattr_destroy(attributes);
                _ = Libc.posix_spawn_file_actions_destroy(actions);
            }
        }

        return error == 0 ? pid : throw new KernelCallException("posix_spawn", path, error);

        void Check(int result, string call)
        {
            if (result != 0)
            {
                throw new KernelCallException("posix_spawn_" + call, path, result);
            }
        }
    }

    public unsafe bool ReapChild(int pidfd)
    {
        var info = stackalloc byte[Libc.SignalInfoSize];
        new Span<byte>(info, Libc.SignalInfoSize).Clear();
        if (Libc.waitid(Libc.P_PIDFD, pidfd, info, Libc.WEXITED | Libc.WNOHANG) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Libc.ECHILD ? false : throw new KernelCallException("waitid", "P_PIDFD " + pidfd.ToString(System.Globalization.CultureInfo.InvariantCulture), errno);
        }

        // si_pid (offset 16 in siginfo_t) stays 0 when the child has not exited yet.
        return *(int*)(info + 16) != 0;
    }
}
