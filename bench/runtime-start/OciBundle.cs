using System.Text.Json.Nodes;
using ClusterKit.Worker.Runtime.Plan;
using ClusterKit.Worker.Runtime.Security;

namespace ClusterKit.Bench.RuntimeStart;

/// <summary>
/// An OCI bundle for crun/runc that asks for what a ClusterKit container gets by default:
/// `crun spec` (namespaces pid, net, ipc, uts, mount; /proc, /dev, /dev/pts, /dev/shm,
/// /dev/mqueue, a read-only /sys) with ClusterKit's masked and read-only paths, binds of
/// hostname/hosts/resolv.conf, Docker's default capabilities, no no_new_privs, no rlimits,
/// no devices rules, no /sys/fs/cgroup mount, and a seccomp filter that blocks the same calls.
/// The root is a writable overlay that the anchor loop mounts at rootfs/ for every run.
/// </summary>
internal static class OciBundle
{
    private const int Eperm = 1;
    private const int Enosys = 38;

    public static string Create(string directory, string mergedRootfs, string filesDirectory)
    {
        Directory.CreateDirectory(directory);
        var info = new System.Diagnostics.ProcessStartInfo("crun", ["spec"]) { WorkingDirectory = directory, UseShellExecute = false };
        using (var process = System.Diagnostics.Process.Start(info)!)
        {
            process.WaitForExit();
        }

        var path = Path.Combine(directory, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!;
        var processNode = config["process"]!;
        processNode["terminal"] = false;
        processNode["args"] = new JsonArray("/bin/true");
        processNode["noNewPrivileges"] = false;
        processNode.AsObject().Remove("rlimits");
        var caps = Capabilities.ToNames(Capabilities.DockerDefault).Select(n => (JsonNode)JsonValue.Create(n)!).ToArray();
        processNode["capabilities"] = new JsonObject
        {
            ["bounding"] = new JsonArray(caps.Select(c => c.DeepClone()).ToArray()),
            ["effective"] = new JsonArray(caps.Select(c => c.DeepClone()).ToArray()),
            ["permitted"] = new JsonArray(caps.Select(c => c.DeepClone()).ToArray()),
        };
        config["root"] = new JsonObject { ["path"] = mergedRootfs, ["readonly"] = false };
        config["hostname"] = "ckb-anchor";

        var mounts = new JsonArray();
        foreach (var mount in config["mounts"]!.AsArray())
        {
            if ((string?)mount!["destination"] != "/sys/fs/cgroup")
            {
                mounts.Add(mount.DeepClone());
            }
        }

        foreach (var file in new[] { "hostname", "hosts", "resolv.conf" })
        {
            mounts.Add(new JsonObject
            {
                ["destination"] = "/etc/" + file,
                ["type"] = "bind",
                ["source"] = Path.Combine(filesDirectory, file),
                ["options"] = new JsonArray("bind"),
            });
        }

        config["mounts"] = mounts;
        var linux = config["linux"]!;
        linux.AsObject().Remove("resources");
        linux["maskedPaths"] = new JsonArray(DefaultContainerMounts.MaskedPaths.Select(p => (JsonNode)JsonValue.Create(p)!).ToArray());
        linux["readonlyPaths"] = new JsonArray(DefaultContainerMounts.ReadOnlyPaths.Select(p => (JsonNode)JsonValue.Create(p)!).ToArray());
        linux["seccomp"] = Seccomp(SeccompProfile.DockerDefault);
        File.WriteAllText(path, config.ToJsonString());
        return directory;
    }

    /// <summary>
    /// The profile ClusterKit compiles, in OCI terms: the blocked calls fail with EPERM, clone3
    /// with ENOSYS, clone with any namespace flag with EPERM. (Our filter also limits
    /// personality's argument; libseccomp cannot say "none of these values", so that rule is left out.)
    /// </summary>
    private static JsonObject Seccomp(SeccompProfile profile)
    {
        var rules = new JsonArray
        {
            new JsonObject
            {
                ["names"] = new JsonArray(profile.Blocked.Keys.Order(StringComparer.Ordinal).Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
                ["action"] = "SCMP_ACT_ERRNO",
                ["errnoRet"] = Eperm,
            },
            new JsonObject { ["names"] = new JsonArray("clone3"), ["action"] = "SCMP_ACT_ERRNO", ["errnoRet"] = Enosys },
        };
        for (var bit = 0; bit < 64; bit++)
        {
            var flag = 1UL << bit;
            if ((profile.CloneNamespaceFlags & flag) == 0)
            {
                continue;
            }

            rules.Add(new JsonObject
            {
                ["names"] = new JsonArray("clone"),
                ["action"] = "SCMP_ACT_ERRNO",
                ["errnoRet"] = Eperm,
                ["args"] = new JsonArray(new JsonObject { ["index"] = 0, ["value"] = flag, ["valueTwo"] = flag, ["op"] = "SCMP_CMP_MASKED_EQ" }),
            });
        }

        return new JsonObject
        {
            ["defaultAction"] = "SCMP_ACT_ALLOW",
            ["architectures"] = new JsonArray("SCMP_ARCH_X86_64"),
            ["syscalls"] = rules,
        };
    }
}
