using System.Runtime.InteropServices;

namespace ClusterKit.Worker.Host;

/// <summary>A kernel call failed; carries the call, its subject and errno.</summary>
public sealed class KernelCallException : Exception
{
    public KernelCallException(string call, string subject, int errno)
        : base($"{call}({subject}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
    {
        Call = call;
        Subject = subject;
        Errno = errno;
    }

    public KernelCallException()
    {
        Call = Subject = string.Empty;
    }

    public KernelCallException(string message) : base(message)
    {
        Call = Subject = string.Empty;
    }

    public KernelCallException(string message, Exception innerException) : base(message, innerException)
    {
        Call = Subject = string.Empty;
    }

    public string Call { get; }

    public string Subject { get; }

    public int Errno { get; }
}
