using System.Text.Json.Nodes;
using System.Text;
using ClusterKit.Manager.Registry.Names;
using ClusterKit.Shared.Images;

namespace ClusterKit.Manager.Tests.Registry;

/// <summary>Manifests built for tests: an image manifest over given blobs, an index over given manifests.</summary>
internal static class TestManifests
{
    public const string ConfigType = "application/vnd.oci.image.config.v1+json";
    public const string LayerType = "application/vnd.oci.image.layer.v1.tar+gzip";

    public static JsonObject Descriptor(string mediaType, byte[] content) =>
        new() { ["mediaType"] = mediaType, ["digest"] = Digest.Of(content).ToString(), ["size"] = content.Length };

    public static JsonObject Image(byte[] config, params byte[][] layers) => Image(MediaTypes.OciManifest, config, layers);

    public static JsonObject Image(string mediaType, byte[] config, params byte[][] layers) => new()
    {
        ["schemaVersion"] = 2,
        ["mediaType"] = mediaType,
        ["config"] = Descriptor(ConfigType, config),
        ["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)Descriptor(LayerType, l))]),
    };

    public static JsonObject Index(params byte[][] manifests) => new()
    {
        ["schemaVersion"] = 2,
        ["mediaType"] = MediaTypes.OciIndex,
        ["manifests"] = new JsonArray([.. manifests.Select(m => (JsonNode)Descriptor(MediaTypes.OciManifest, m))]),
    };

    public static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());
}
