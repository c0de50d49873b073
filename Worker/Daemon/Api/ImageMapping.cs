using ClusterKit.Proto.Worker.V1;
using ClusterKit.Worker.Images;
using Google.Protobuf.WellKnownTypes;

namespace ClusterKit.Worker.Api;

/// <summary>The image store's records as the API's messages.</summary>
internal static class ImageMapping
{
    public static ImageInfo ToProto(ImageDetails details)
    {
        var info = new ImageInfo
        {
            Id = details.Id,
            ManifestDigest = details.ManifestDigest,
            Size = details.Size,
            Os = details.Os,
            Architecture = details.Architecture,
            Config = new ImageConfig
            {
                WorkingDir = details.Config.WorkingDir ?? string.Empty,
                User = details.Config.User ?? string.Empty,
                StopSignal = details.Config.StopSignal ?? string.Empty,
            },
        };
        if (details.Created is { } created)
        {
            info.Created = Timestamp.FromDateTimeOffset(created);
        }

        info.References.AddRange(details.References);
        info.LayerDiffIds.AddRange(details.LayerDiffIds);
        info.Config.Env.AddRange(details.Config.Env ?? []);
        info.Config.Cmd.AddRange(details.Config.Cmd ?? []);
        info.Config.Entrypoint.AddRange(details.Config.Entrypoint ?? []);
        info.Config.ExposedPorts.AddRange(details.Config.ExposedPorts?.Keys ?? (IEnumerable<string>)[]);
        info.Config.HealthcheckTest.AddRange(details.Config.Healthcheck?.Test ?? []);
        foreach (var (key, value) in details.Config.Labels ?? [])
        {
            info.Config.Labels[key] = value;
        }

        return info;
    }
}
