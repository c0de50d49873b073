using System.Text.Json.Nodes;

namespace ClusterKit.Bench.RuntimeStart;

/// <summary>An OCI bundle for crun/runc: `crun spec` defaults, /bin/true, no terminal, over a busybox rootfs.</summary>
internal static class OciBundle
{
    public static string Create(string directory, string rootfs)
    {
        Directory.CreateDirectory(directory);
        var info = new System.Diagnostics.ProcessStartInfo("crun", ["spec"]) { WorkingDirectory = directory, UseShellExecute = false };
        using (var process = System.Diagnostics.Process.Start(info)!)
        {
            process.WaitForExit();
        }

        var path = Path.Combine(directory, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!;
        config["process"]!["terminal"] = false;
        config["process"]!["args"] = new JsonArray("/bin/true");
        config["root"]!["path"] = rootfs;
        config["root"]!["readonly"] = true;
        File.WriteAllText(path, config.ToJsonString());
        return directory;
    }
}
