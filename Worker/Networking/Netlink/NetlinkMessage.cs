using System.Buffers.Binary;
using System.Text;

namespace ClusterKit.Worker.Networking.Netlink;

/// <summary>
/// Builds one netlink message: the 16-byte header, a family header, then attributes, each
/// aligned to 4 bytes. Nested attributes are opened and closed around their children; the
/// lengths are filled in when a nest or the message is finished.
/// </summary>
internal sealed class NetlinkMessage
{
    private readonly List<byte> _bytes = new(256);
    private readonly Stack<int> _nests = new();

    public NetlinkMessage(ushort type, ushort flags, uint sequence)
    {
        Span<byte> header = stackalloc byte[RtNetlink.HeaderLength];
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], sequence);
        _bytes.AddRange(header.ToArray());
    }

    /// <summary>struct ifinfomsg.</summary>
    public NetlinkMessage InterfaceInfo(byte family, int index, uint flags, uint change)
    {
        Span<byte> info = stackalloc byte[RtNetlink.IfInfoLength];
        info[0] = family;
        BinaryPrimitives.WriteInt32LittleEndian(info[4..], index);
        BinaryPrimitives.WriteUInt32LittleEndian(info[8..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(info[12..], change);
        return Raw(info);
    }

    /// <summary>struct ifaddrmsg.</summary>
    public NetlinkMessage AddressInfo(byte family, byte prefixLength, int index)
    {
        Span<byte> info = stackalloc byte[RtNetlink.IfAddrLength];
        info[0] = family;
        info[1] = prefixLength;
        BinaryPrimitives.WriteInt32LittleEndian(info[4..], index);
        return Raw(info);
    }

    /// <summary>struct rtmsg for a route in the main table.</summary>
    public NetlinkMessage RouteInfo(byte family, byte destinationLength)
    {
        Span<byte> info = stackalloc byte[RtNetlink.RtMsgLength];
        info[0] = family;
        info[1] = destinationLength;
        info[4] = RtNetlink.RouteTableMain;
        info[5] = RtNetlink.RouteProtocolBoot;
        info[6] = RtNetlink.RouteScopeUniverse;
        info[7] = RtNetlink.RouteTypeUnicast;
        return Raw(info);
    }

    public NetlinkMessage Attribute(ushort type, ReadOnlySpan<byte> value)
    {
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);
        Raw(header);
        Raw(value);
        Pad();
        return this;
    }

    /// <summary>A NUL-terminated string attribute (interface names, link kinds).</summary>
    public NetlinkMessage Attribute(ushort type, string value)
    {
        var bytes = new byte[Encoding.ASCII.GetByteCount(value) + 1];
        Encoding.ASCII.GetBytes(value, bytes);
        return Attribute(type, bytes);
    }

    public NetlinkMessage Attribute(ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return Attribute(type, bytes);
    }

    public NetlinkMessage BeginNested(ushort type)
    {
        _nests.Push(_bytes.Count);
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);
        return Raw(header);
    }

    public NetlinkMessage EndNested()
    {
        var start = _nests.Pop();
        WriteUInt16(start, (ushort)(_bytes.Count - start));
        return this;
    }

    public byte[] ToArray()
    {
        if (_nests.Count > 0)
        {
            throw new InvalidOperationException("netlink message has an unclosed nested attribute");
        }

        var bytes = _bytes.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)bytes.Length);
        return bytes;
    }

    private NetlinkMessage Raw(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            _bytes.Add(b);
        }

        return this;
    }

    private void Pad()
    {
        while (_bytes.Count % 4 != 0)
        {
            _bytes.Add(0);
        }
    }

    private void WriteUInt16(int offset, ushort value)
    {
        _bytes[offset] = (byte)value;
        _bytes[offset + 1] = (byte)(value >> 8);
    }
}
