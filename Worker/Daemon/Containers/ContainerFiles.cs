using System.Text;

namespace ClusterKit.Worker.Containers;

/// <summary>The content of a container's /etc/hosts, /etc/hostname and /etc/resolv.conf.</summary>
public static class ContainerFiles
{
    public static string Hosts(string hostname, string? ipAddress)
    {
        var hosts = new StringBuilder()
            .Append("127.0.0.1\tlocalhost\n")
            .Append("::1\tlocalhost ip6-localhost ip6-loopback\n")
            .Append("fe00::0\tip6-localnet\n")
            .Append("ff00::0\tip6-mcastprefix\n")
            .Append("ff02::1\tip6-allnodes\n")
            .Append("ff02::2\tip6-allrouters\n");
        if (!string.IsNullOrEmpty(ipAddress))
        {
            hosts.Append(ipAddress).Append('\t').Append(hostname).Append('\n');
        }

        return hosts.ToString();
    }

    /// <summary>
    /// The host's resolv.conf, except that loopback resolvers (systemd-resolved, dnsmasq on the
    /// host) cannot be reached from a container's own network namespace, so they are replaced.
    /// </summary>
    public static string ResolvConf(string hostResolvConf, bool hostNetwork, IReadOnlyList<string> fallbackServers)
    {
        if (hostNetwork)
        {
            return hostResolvConf;
        }

        var kept = new StringBuilder();
        var servers = 0;
        foreach (var raw in hostResolvConf.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields is ["nameserver", var address, ..])
            {
                if (address.StartsWith("127.", StringComparison.Ordinal) || address == "::1")
                {
                    continue;
                }

                servers++;
            }

            if (line.Length > 0)
            {
                kept.Append(line).Append('\n');
            }
        }

        if (servers == 0)
        {
            foreach (var server in fallbackServers)
            {
                kept.Append("nameserver ").Append(server).Append('\n');
            }
        }

        return kept.ToString();
    }
}
