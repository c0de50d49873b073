using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ClusterKit.Shared.Identity;

/// <summary>Who a certificate speaks for, kept in its subject: O=cluster id, OU=role, CN=node id.</summary>
public sealed record NodeIdentity
{
    private const int MaxIdLength = 64;
    private const string CommonNameOid = "2.5.4.3";
    private const string OrganizationOid = "2.5.4.10";
    private const string OrganizationalUnitOid = "2.5.4.11";

    public NodeIdentity(string clusterId, string nodeId, NodeRole role)
    {
        ArgumentNullException.ThrowIfNull(clusterId);
        ArgumentNullException.ThrowIfNull(nodeId);
        var error = IdError(clusterId, "cluster id") ?? IdError(nodeId, "node id");
        if (error is not null)
        {
            throw new ArgumentException(error);
        }

        if (!Enum.IsDefined(role))
        {
            throw new ArgumentOutOfRangeException(nameof(role), role, $"node role {(int)role} is not known; allowed: worker, manager, admin");
        }

        ClusterId = clusterId;
        NodeId = nodeId;
        Role = role;
    }

    public string ClusterId { get; }

    public string NodeId { get; }

    public NodeRole Role { get; }

    /// <summary>A new random id (25 base36 characters, 128 bits) for a cluster or a node.</summary>
    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Base36.Encode(bytes);
    }

    public X500DistinguishedName ToSubject()
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName(ClusterId);
        builder.AddOrganizationalUnitName(RoleName(Role));
        builder.AddCommonName(NodeId);
        return builder.Build();
    }

    /// <summary>Reads the identity from a certificate's subject; a one-line <see cref="FormatException"/> if it is not a node subject.</summary>
    public static NodeIdentity FromCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return TryFromSubject(certificate.SubjectName, out var identity, out var error) ? identity : throw new FormatException(error);
    }

    public static bool TryFromSubject(X500DistinguishedName subject, [NotNullWhen(true)] out NodeIdentity? identity, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(subject);
        identity = null;
        string? cluster = null, unit = null, node = null;
        foreach (var rdn in subject.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements)
            {
                continue;
            }

            var value = rdn.GetSingleElementValue();
            switch (rdn.GetSingleElementType().Value)
            {
                case OrganizationOid: cluster = value; break;
                case OrganizationalUnitOid: unit = value; break;
                case CommonNameOid: node = value; break;
            }
        }

        if (cluster is null || unit is null || node is null)
        {
            error = $"certificate subject '{subject.Name}' is not a ClusterKit node subject; expected O=<cluster id>, OU=<role>, CN=<node id>";
            return false;
        }

        if (!TryParseRole(unit, out var role))
        {
            error = $"certificate subject '{subject.Name}' has role '{unit}'; allowed: worker, manager, admin";
            return false;
        }

        error = IdError(cluster, "cluster id") ?? IdError(node, "node id");
        if (error is not null)
        {
            error = $"certificate subject '{subject.Name}': {error}";
            return false;
        }

        identity = new NodeIdentity(cluster, node, role);
        return true;
    }

    public static string RoleName(NodeRole role) => role switch
    {
        NodeRole.Worker => "worker",
        NodeRole.Manager => "manager",
        NodeRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "allowed: worker, manager, admin"),
    };

    public static bool TryParseRole(string text, out NodeRole role)
    {
        switch (text)
        {
            case "worker": role = NodeRole.Worker; return true;
            case "manager": role = NodeRole.Manager; return true;
            case "admin": role = NodeRole.Admin; return true;
            default: role = default; return false;
        }
    }

    public override string ToString() => $"{RoleName(Role)} {NodeId} of cluster {ClusterId}";

    private static string? IdError(string value, string what)
    {
        if (value.Length is 0 or > MaxIdLength)
        {
            return $"{what} '{value}' has {value.Length} characters; allowed: 1 to {MaxIdLength} of a-z, A-Z, 0-9, '.', '_', '-'";
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return $"{what} '{value}' contains '{c}'; allowed: a-z, A-Z, 0-9, '.', '_', '-'";
            }
        }

        return null;
    }
}
