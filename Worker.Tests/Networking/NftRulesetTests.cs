using System.Net;

namespace ClusterKit.Worker.Networking.Tests;

public sealed class NftRulesetTests
{
    private static readonly BridgeNetworkSettings Defaults = BridgeNetworkSettings.From(new BridgeNetworkOptions());

    [Fact]
    public void Empty_state_has_nat_for_the_subnet_and_no_port_rules()
    {
        const string Expected = """
            table inet clusterkit
            delete table inet clusterkit
            table inet clusterkit {
            	chain prerouting {
            		type nat hook prerouting priority dstnat; policy accept;
            	}
            	chain output {
            		type nat hook output priority -100; policy accept;
            	}
            	chain postrouting {
            		type nat hook postrouting priority srcnat; policy accept;
            		ip saddr 10.88.0.0/16 ip daddr != 10.88.0.0/16 masquerade
            		oifname "ck0" ip saddr 127.0.0.0/8 masquerade
            		oifname "ck0" ip saddr 10.88.0.0/16 ct status dnat masquerade
            	}
            	chain input {
            		type filter hook input priority filter; policy accept;
            		iifname "ck0" ip daddr 127.0.0.0/8 ct state established,related accept
            		iifname "ck0" ip daddr 127.0.0.0/8 ct status dnat accept
            		iifname "ck0" ip daddr 127.0.0.0/8 drop
            		iifname "ck0" ip6 daddr ::1 drop
            	}
            	chain forward {
            		type filter hook forward priority filter; policy accept;
            		ct state established,related accept
            		iifname "ck0" accept
            		oifname "ck0" ct status dnat accept
            		oifname "ck0" drop
            	}
            }

            """;

        Assert.Equal(Expected, NftRuleset.Render(Defaults, []));
    }

    [Fact]
    public void Published_ports_become_dnat_rules_in_prerouting_and_output_ordered_by_container_and_port()
    {
        ContainerEndpoint[] endpoints =
        [
            new("ffff000011112222", "web", IPAddress.Parse("10.88.0.3"), PortMappingParser.ParseAll(["8443:443", "8080:80"])),
            new("aaaa000011112222", "dns", IPAddress.Parse("10.88.0.2"), PortMappingParser.ParseAll(["127.0.0.1:5353:53/udp", "5300-5301:53-54"])),
            new("bbbb000011112222", "idle", IPAddress.Parse("10.88.0.4"), []),
        ];
        const string PortRules = """
            		fib daddr type local tcp dport 5300 dnat ip to 10.88.0.2:53 comment "dns aaaa00001111"
            		fib daddr type local tcp dport 5301 dnat ip to 10.88.0.2:54 comment "dns aaaa00001111"
            		ip daddr 127.0.0.1 udp dport 5353 dnat ip to 10.88.0.2:53 comment "dns aaaa00001111"
            		fib daddr type local tcp dport 8080 dnat ip to 10.88.0.3:80 comment "web ffff00001111"
            		fib daddr type local tcp dport 8443 dnat ip to 10.88.0.3:443 comment "web ffff00001111"

            """;

        var text = NftRuleset.Render(Defaults, endpoints);

        Assert.Contains("type nat hook prerouting priority dstnat; policy accept;\n" + PortRules + "\t}\n", text, StringComparison.Ordinal);
        Assert.Contains("type nat hook output priority -100; policy accept;\n" + PortRules + "\t}\n", text, StringComparison.Ordinal);
        Assert.Equal(text, NftRuleset.Render(Defaults, endpoints.Reverse()));
    }

    [Fact]
    public void Ip_family_and_custom_names_use_plain_dnat_and_the_given_bridge_and_subnet()
    {
        var settings = BridgeNetworkSettings.From(new BridgeNetworkOptions
        {
            BridgeName = "ckt0",
            Subnet = "172.30.0.0/24",
            TableFamily = "ip",
            TableName = "ckt-1",
        });
        ContainerEndpoint[] endpoints = [new("0123456789abcdef", "odd \"name\"", IPAddress.Parse("172.30.0.2"), PortMappingParser.Parse("9000:9000/sctp"))];

        var text = NftRuleset.Render(settings, endpoints);

        Assert.StartsWith("table ip ckt-1\ndelete table ip ckt-1\ntable ip ckt-1 {\n", text, StringComparison.Ordinal);
        Assert.Contains("\t\tfib daddr type local sctp dport 9000 dnat to 172.30.0.2:9000 comment \"0123456789ab\"\n", text, StringComparison.Ordinal);
        Assert.Contains("\t\tip saddr 172.30.0.0/24 ip daddr != 172.30.0.0/24 masquerade\n", text, StringComparison.Ordinal);
        Assert.Contains("\t\toifname \"ckt0\" drop\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Delete_text_declares_then_deletes_so_a_missing_table_is_no_error() =>
        Assert.Equal("table inet clusterkit\ndelete table inet clusterkit\n", NftRuleset.RenderDelete(Defaults));
}
