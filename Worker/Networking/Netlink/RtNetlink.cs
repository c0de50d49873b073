namespace ClusterKit.Worker.Networking.Netlink;

/// <summary>The rtnetlink numbers this driver uses (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/veth.h).</summary>
internal static class RtNetlink
{
    public const int HeaderLength = 16;
    public const int IfInfoLength = 16;
    public const int IfAddrLength = 8;
    public const int RtMsgLength = 12;

    /// <summary>ENODEV: the kernel's answer for a link name it does not know.</summary>
    public const int NoSuchDevice = 19;

    public const ushort Error = 2;
    public const ushort Done = 3;

    public const ushort NewLink = 16;
    public const ushort DeleteLink = 17;
    public const ushort GetLink = 18;
    public const ushort NewAddress = 20;
    public const ushort NewRoute = 24;

    public const ushort FlagRequest = 0x1;
    public const ushort FlagAck = 0x4;
    public const ushort FlagExclusive = 0x200;
    public const ushort FlagCreate = 0x400;

    public const byte AfUnspec = 0;
    public const byte AfInet = 2;
    public const uint InterfaceUp = 0x1;

    public const ushort LinkAddress = 1;
    public const ushort LinkName = 3;
    public const ushort LinkMtu = 4;
    public const ushort LinkMaster = 10;
    public const ushort LinkInfo = 18;
    public const ushort LinkNetNsFd = 28;
    public const ushort LinkInfoKind = 1;
    public const ushort LinkInfoData = 2;
    public const ushort LinkInfoSlaveKind = 4;
    public const ushort LinkInfoSlaveData = 5;
    public const ushort BridgePortMode = 4;
    public const ushort VethPeer = 1;

    public const ushort AddressAddress = 1;
    public const ushort AddressLocal = 2;
    public const ushort AddressBroadcast = 4;

    public const ushort RouteOutputInterface = 4;
    public const ushort RouteGateway = 5;
    public const byte RouteTableMain = 254;
    public const byte RouteProtocolBoot = 3;
    public const byte RouteScopeUniverse = 0;
    public const byte RouteTypeUnicast = 1;
}
