using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ClusterKit.Worker.Networking;

/// <summary>
/// Renders the whole of ClusterKit's nftables table from the desired state, as one `nft -f -`
/// transaction: declare the table (so that the delete cannot fail), delete it, define it anew.
/// The kernel applies the three atomically, so packets never see a half-built table, and
/// rules of containers that are gone vanish without being tracked one by one.
/// </summary>
internal static partial class NftRuleset
{
    private const string Loopback = "127.0.0.0/8";

    public static string Render(BridgeNetworkSettings settings, IEnumerable<ContainerEndpoint> endpoints)
    {
        var table = settings.QualifiedTableName;
        var bridge = Quote(settings.BridgeName);
        var subnet = settings.Subnet.ToString();
        var dnat = settings.TableFamily == "inet" ? "dnat ip to" : "dnat to";
        var portRules = PortRules(endpoints, dnat);

        var text = new StringBuilder();
        text.Append("table ").Append(table).Append('\n');
        text.Append("delete table ").Append(table).Append('\n');
        text.Append("table ").Append(table).Append(" {\n");

        // Published ports for traffic arriving from outside and from containers (hairpin).
        Chain(text, "prerouting", "type nat hook prerouting priority dstnat; policy accept;", portRules);

        // Published ports for traffic the host itself sends to 127.0.0.1 or its own addresses.
        // -100 is dstnat; nft before 1.0.7 accepts the keyword on prerouting only.
        Chain(text, "output", "type nat hook output priority -100; policy accept;", portRules);

        Chain(text, "postrouting", "type nat hook postrouting priority srcnat; policy accept;",
        [
            // Containers reach the outside world from the host's address.
            $"ip saddr {subnet} ip daddr != {subnet} masquerade",

            // Replies to 127.0.0.1 could not leave the container; make them come back to the bridge address.
            $"oifname {bridge} ip saddr {Loopback} masquerade",

            // Hairpin: a container reaching a published port lands on the bridge again; without this
            // the target would answer the client directly and the client would drop the reply.
            $"oifname {bridge} ip saddr {subnet} ct status dnat masquerade",
        ]);

        // The bridge has route_localnet on (published ports on 127.0.0.1 need it), so a container could
        // address a frame to the gateway with a 127.0.0.0/8 destination and reach what the host binds
        // to loopback only (CVE-2020-8558's class). Only replies and DNAT of a published port pass.
        Chain(text, "input", "type filter hook input priority filter; policy accept;", LoopbackGuard(settings.TableFamily, bridge));

        Chain(text, "forward", "type filter hook forward priority filter; policy accept;",
        [
            "ct state established,related accept",
            $"iifname {bridge} accept",
            $"oifname {bridge} ct status dnat accept",

            // Containers are reachable from outside through published ports only.
            $"oifname {bridge} drop",
        ]);

        text.Append("}\n");
        return text.ToString();
    }

    private static List<string> LoopbackGuard(string family, string bridge)
    {
        List<string> rules =
        [
            $"iifname {bridge} ip daddr {Loopback} ct state established,related accept",
            $"iifname {bridge} ip daddr {Loopback} ct status dnat accept",
            $"iifname {bridge} ip daddr {Loopback} drop",
        ];
        if (family == "inet")
        {
            rules.Add($"iifname {bridge} ip6 daddr ::1 drop");
        }

        return rules;
    }

    /// <summary>The text that removes the table, and succeeds when it is already gone.</summary>
    public static string RenderDelete(BridgeNetworkSettings settings) =>
        $"table {settings.QualifiedTableName}\ndelete table {settings.QualifiedTableName}\n";

    private static List<string> PortRules(IEnumerable<ContainerEndpoint> endpoints, string dnat)
    {
        var rules = new List<string>();
        foreach (var endpoint in endpoints.OrderBy(e => e.ContainerId, StringComparer.Ordinal))
        {
            var comment = Comment(endpoint);
            var ordered = endpoint.Ports
                .OrderBy(p => p.Protocol)
                .ThenBy(p => p.HostPort)
                .ThenBy(p => p.HostAddress?.ToString() ?? string.Empty, StringComparer.Ordinal);
            foreach (var port in ordered)
            {
                var destination = port.HostAddress is null ? "fib daddr type local" : $"ip daddr {port.HostAddress}";
                rules.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{destination} {port.ProtocolName} dport {port.HostPort} {dnat} {endpoint.Address}:{port.ContainerPort} comment {comment}"));
            }
        }

        return rules;
    }

    private static void Chain(StringBuilder text, string name, string hook, IEnumerable<string> rules)
    {
        text.Append("\tchain ").Append(name).Append(" {\n");
        text.Append("\t\t").Append(hook).Append('\n');
        foreach (var rule in rules)
        {
            text.Append("\t\t").Append(rule).Append('\n');
        }

        text.Append("\t}\n");
    }

    // Names go into a quoted nft string; anything that could break out of it is left out.
    private static string Comment(ContainerEndpoint endpoint) =>
        Quote(SafeName().IsMatch(endpoint.ContainerName) ? $"{endpoint.ContainerName} {endpoint.ShortId}" : endpoint.ShortId);

    private static string Quote(string value) => "\"" + value + "\"";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex SafeName();
}
