using System.Buffers.Binary;

namespace ClusterKit.Worker.Networking.Netlink;

/// <summary>One message of a netlink reply datagram.</summary>
internal readonly record struct NetlinkReply(ushort Type, uint Sequence, int Errno, int InterfaceIndex)
{
    /// <summary>Splits a datagram into its messages; an error message carries the kernel's errno (0 is an ack).</summary>
    public static List<NetlinkReply> Parse(ReadOnlySpan<byte> datagram)
    {
        var replies = new List<NetlinkReply>();
        while (datagram.Length >= RtNetlink.HeaderLength)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram);
            if (length < RtNetlink.HeaderLength || length > datagram.Length)
            {
                throw new NetworkingException($"malformed netlink reply: message length {length} in a datagram of {datagram.Length} bytes");
            }

            var type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]);
            var sequence = BinaryPrimitives.ReadUInt32LittleEndian(datagram[8..]);
            var body = datagram[RtNetlink.HeaderLength..length];
            var errno = type == RtNetlink.Error && body.Length >= 4 ? -BinaryPrimitives.ReadInt32LittleEndian(body) : 0;
            var index = type == RtNetlink.NewLink && body.Length >= RtNetlink.IfInfoLength ? BinaryPrimitives.ReadInt32LittleEndian(body[4..]) : 0;
            replies.Add(new NetlinkReply(type, sequence, errno, index));
            datagram = datagram[Math.Min(datagram.Length, (length + 3) & ~3)..];
        }

        return replies;
    }
}
