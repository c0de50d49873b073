using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Images.Layers;

/// <summary>Why a tar entry could not be written, in the layer's terms rather than as a raw kernel error.</summary>
internal static class EntryFailure
{
    private const int ENOENT = 2;
    private const int EPERM = 1;
    private const int EINVAL = 22;
    private const int ENOTSUP = 95;
    private const int EEXIST = 17;

    public static string Explain(System.Formats.Tar.TarEntry entry, Exception error) => error switch
    {
        KernelCallException { Call: "link", Errno: ENOENT } =>
            $"its hard link target '{entry.LinkName}' is not in the layer (a hard link must name a file written by an earlier entry)",
        KernelCallException { Call: "link", Errno: EEXIST } =>
            $"its path is already taken, so the hard link to '{entry.LinkName}' cannot be made",
        KernelCallException { Call: "lsetxattr", Errno: EINVAL or ENOTSUP or EPERM } k =>
            $"the file system refused one of its extended attributes ({k.Subject.Split(' ')[^1]}): {Reason(k)}",
        KernelCallException { Call: "mknod", Errno: EPERM } =>
            "device nodes cannot be created here (the worker lacks CAP_MKNOD in this namespace)",
        KernelCallException k => $"{k.Call} failed: {Reason(k)}",
        _ => error.Message,
    };

    private static string Reason(KernelCallException error) =>
        $"{System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(error.Errno)} (errno {error.Errno})";
}
