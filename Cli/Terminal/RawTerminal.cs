using System.Runtime.InteropServices;

namespace ClusterKit.Cli.Terminal;

/// <summary>Puts the controlling terminal into raw mode for `-it` sessions and restores it on dispose.</summary>
internal sealed partial class RawTerminal : IDisposable
{
    private const int StdinFd = 0;
    private const int TcsaNow = 0;
    private const int TermiosSize = 128; // struct termios is 60 bytes on glibc x86_64; leave room.

    private readonly byte[] _saved = new byte[TermiosSize];
    private readonly bool _active;

    private RawTerminal()
    {
        if (isatty(StdinFd) != 1 || tcgetattr(StdinFd, _saved) != 0)
        {
            return;
        }

        var raw = (byte[])_saved.Clone();
        cfmakeraw(raw);
        _active = tcsetattr(StdinFd, TcsaNow, raw) == 0;
    }

    public static bool StdinIsTerminal => isatty(StdinFd) == 1;

    public static RawTerminal Enter() => new();

    public static (uint Rows, uint Cols) Size() =>
        Console.IsOutputRedirected ? (24u, 80u) : ((uint)Math.Max(Console.WindowHeight, 1), (uint)Math.Max(Console.WindowWidth, 1));

    public void Dispose()
    {
        if (_active)
        {
            _ = tcsetattr(StdinFd, TcsaNow, _saved);
        }
    }

    [LibraryImport("libc")]
    private static partial int isatty(int fd);

    [LibraryImport("libc")]
    private static partial int tcgetattr(int fd, [Out] byte[] termios);

    [LibraryImport("libc")]
    private static partial int tcsetattr(int fd, int optionalActions, byte[] termios);

    [LibraryImport("libc")]
    private static partial void cfmakeraw([In, Out] byte[] termios);
}
