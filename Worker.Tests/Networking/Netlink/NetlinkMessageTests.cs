using System.Buffers.Binary;
using System.Net;
using System.Text;
using ClusterKit.Worker.Networking.Netlink;

namespace ClusterKit.Worker.Networking.Tests.Netlink;

public sealed class NetlinkMessageTests
{
    private static readonly VethPlan Plan = new(
        "ckv01234567", "ck0", 1450, "eth0", "02:42:0a:58:00:07", IPAddress.Parse("10.88.0.7"), 16, IPAddress.Parse("10.88.0.1"), "/proc/42/ns/net");

    [Fact]
    public void Delete_link_request_is_header_ifinfomsg_and_the_name()
    {
        var bytes = NetlinkVethDriver.DeleteLinkRequest("ckv01234567", 7);

        byte[] expected =
        [
            48, 0, 0, 0, 17, 0, 5, 0, 7, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            16, 0, 3, 0, .. "ckv01234567"u8, 0,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Veth_request_nests_the_peer_with_its_name_mac_mtu_and_namespace_fd()
    {
        var bytes = NetlinkVethDriver.CreateVethRequest(Plan, bridgeIndex: 5, namespaceFd: 33, sequence: 1);

        Assert.Equal(bytes.Length, BinaryPrimitives.ReadInt32LittleEndian(bytes));
        Assert.Equal(RtNetlink.NewLink, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(0x605, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(6)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16 + 8)));
        var top = Attributes(bytes.AsSpan(32));
        Assert.Equal("ckv01234567", Text(top[RtNetlink.LinkName]));
        Assert.Equal(1450u, BinaryPrimitives.ReadUInt32LittleEndian(top[RtNetlink.LinkMtu]));
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32LittleEndian(top[RtNetlink.LinkMaster]));
        var info = Attributes(top[RtNetlink.LinkInfo]);
        Assert.Equal("veth", Text(info[RtNetlink.LinkInfoKind]));
        var peer = Attributes(info[RtNetlink.LinkInfoData])[RtNetlink.VethPeer];
        var peerAttributes = Attributes(peer.AsSpan(RtNetlink.IfInfoLength));
        Assert.Equal("eth0", Text(peerAttributes[RtNetlink.LinkName]));
        Assert.Equal(new byte[] { 0x02, 0x42, 0x0a, 0x58, 0x00, 0x07 }, peerAttributes[RtNetlink.LinkAddress]);
        Assert.Equal(1450u, BinaryPrimitives.ReadUInt32LittleEndian(peerAttributes[RtNetlink.LinkMtu]));
        Assert.Equal(33u, BinaryPrimitives.ReadUInt32LittleEndian(peerAttributes[RtNetlink.LinkNetNsFd]));
    }

    [Fact]
    public void Hairpin_request_sets_bridge_port_mode_by_name()
    {
        var bytes = NetlinkVethDriver.HairpinRequest("ckv01234567", 2);

        var top = Attributes(bytes.AsSpan(32));
        Assert.Equal("ckv01234567", Text(top[RtNetlink.LinkName]));
        var info = Attributes(top[RtNetlink.LinkInfo]);
        Assert.Equal("bridge", Text(info[RtNetlink.LinkInfoSlaveKind]));
        Assert.Equal(new byte[] { 1 }, Attributes(info[RtNetlink.LinkInfoSlaveData])[RtNetlink.BridgePortMode]);
    }

    [Fact]
    public void Address_request_carries_local_address_and_subnet_broadcast()
    {
        var bytes = NetlinkVethDriver.AddAddressRequest(Plan, index: 2, sequence: 3);

        Assert.Equal(RtNetlink.AfInet, bytes[16]);
        Assert.Equal(16, bytes[17]);
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(20)));
        var attributes = Attributes(bytes.AsSpan(24));
        Assert.Equal(new byte[] { 10, 88, 0, 7 }, attributes[RtNetlink.AddressLocal]);
        Assert.Equal(new byte[] { 10, 88, 255, 255 }, attributes[RtNetlink.AddressBroadcast]);
    }

    [Fact]
    public void Default_route_request_is_main_table_unicast_via_the_gateway()
    {
        var bytes = NetlinkVethDriver.DefaultRouteRequest(IPAddress.Parse("10.88.0.1"), index: 2, sequence: 4);

        Assert.Equal(new byte[] { 2, 0, 0, 0, 254, 3, 0, 1 }, bytes[16..24]);
        var attributes = Attributes(bytes.AsSpan(28));
        Assert.Equal(new byte[] { 10, 88, 0, 1 }, attributes[RtNetlink.RouteGateway]);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(attributes[RtNetlink.RouteOutputInterface]));
    }

    [Fact]
    public void Unclosed_nest_is_a_programming_error()
    {
        var message = new NetlinkMessage(RtNetlink.NewLink, RtNetlink.FlagRequest, 1).BeginNested(RtNetlink.LinkInfo);

        Assert.Throws<InvalidOperationException>(() => message.ToArray());
    }

    [Fact]
    public void Replies_parse_into_acks_errors_and_links()
    {
        var datagram = new List<byte>();
        datagram.AddRange(Reply(RtNetlink.Error, 1, BitConverter.GetBytes(0)));
        datagram.AddRange(Reply(RtNetlink.Error, 2, BitConverter.GetBytes(-17)));
        datagram.AddRange(Reply(RtNetlink.NewLink, 3, [0, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));

        var replies = NetlinkReply.Parse(datagram.ToArray());

        Assert.Equal(
            [
                new NetlinkReply(RtNetlink.Error, 1, 0, 0),
                new NetlinkReply(RtNetlink.Error, 2, 17, 0),
                new NetlinkReply(RtNetlink.NewLink, 3, 0, 9),
            ],
            replies);
    }

    [Fact]
    public void Truncated_reply_is_refused()
    {
        var reply = Reply(RtNetlink.Error, 1, BitConverter.GetBytes(0));
        BinaryPrimitives.WriteInt32LittleEndian(reply, 400);

        var error = Assert.Throws<NetworkingException>(() => NetlinkReply.Parse(reply));

        Assert.Equal("malformed netlink reply: message length 400 in a datagram of 20 bytes", error.Message);
    }

    private static byte[] Reply(ushort type, uint sequence, byte[] body)
    {
        var bytes = new byte[RtNetlink.HeaderLength + body.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, bytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), type);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), sequence);
        body.CopyTo(bytes, RtNetlink.HeaderLength);
        return bytes;
    }

    /// <summary>Walks a run of attributes, checking that every length stays inside the run.</summary>
    private static Dictionary<ushort, byte[]> Attributes(ReadOnlySpan<byte> run)
    {
        var attributes = new Dictionary<ushort, byte[]>();
        while (run.Length > 0)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(run);
            Assert.InRange(length, 4, run.Length);
            attributes[BinaryPrimitives.ReadUInt16LittleEndian(run[2..])] = run[4..length].ToArray();
            run = run[Math.Min(run.Length, (length + 3) & ~3)..];
        }

        return attributes;
    }

    private static string Text(byte[] value) => Encoding.ASCII.GetString(value).TrimEnd('\0');
}
