using ClusterKit.Proto.Worker.V1;

namespace ClusterKit.Shared.Tests;

public sealed class ProtoContractTests
{
    [Fact]
    public void Container_spec_round_trips_through_the_wire_format()
    {
        var spec = new ContainerSpec { Image = "busybox:latest", Name = "web", MemoryBytes = 64 << 20 };
        spec.Cmd.Add("httpd");
        spec.Ports.Add(new PortMapping { HostPort = 8080, ContainerPort = 80, Protocol = "tcp" });

        var parsed = ContainerSpec.Parser.ParseFrom(spec.ToByteArray());

        Assert.Equal(spec, parsed);
        Assert.Equal(8080u, parsed.Ports[0].HostPort);
    }
}
