using ClusterKit.Worker.Runtime;
using Google.Protobuf;

namespace ClusterKit.Worker.Containers;

/// <summary>
/// A bridge container's network attachment, written to its run directory (a tmpfs) in the start
/// hook, before the command may run: a worker that dies before the record of that start is
/// written still adopts the container with its address, veth and ports instead of removing its
/// veth as a stray.
/// </summary>
internal static class SavedNetwork
{
    private const string FileName = "network.json";
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static Task WriteAsync(ContainerPaths paths, Proto.Worker.V1.NetworkAttachment attachment, CancellationToken cancellationToken) =>
        File.WriteAllTextAsync(Path.Combine(paths.RunDirectory, FileName), JsonFormatter.Default.Format(attachment), cancellationToken);

    /// <summary>The saved attachment, or null if there is none or it is not a usable bridge attachment.</summary>
    public static Proto.Worker.V1.NetworkAttachment? TryRead(ContainerPaths paths)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(paths.RunDirectory, FileName));
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            var attachment = Parser.Parse<Proto.Worker.V1.NetworkAttachment>(text);
            return attachment.Mode == "bridge" && System.Net.IPAddress.TryParse(attachment.IpAddress, out _) ? attachment : null;
        }
        catch (Exception error) when (error is InvalidProtocolBufferException or InvalidJsonException)
        {
            return null;
        }
    }
}
