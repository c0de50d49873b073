namespace ClusterKit.Shared.Identity;

/// <summary>What a certificate lets its holder do in the cluster.</summary>
public enum NodeRole
{
    Worker,
    Manager,
    Admin,
}
