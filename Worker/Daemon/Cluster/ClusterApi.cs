using System.Globalization;
using ClusterKit.Proto.Worker.V1;
using Grpc.Core;

namespace ClusterKit.Worker.Cluster;

/// <summary>The worker's Cluster service on its root-only socket: join with a worker token, and the membership's status.</summary>
internal sealed class ClusterApi(WorkerMembership membership) : Proto.Worker.V1.Cluster.ClusterBase
{
    public override async Task<JoinClusterResponse> Join(JoinClusterRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var identity = await membership.JoinAsync(request.Token, request.RemoteAddress, context.CancellationToken);
        var response = new JoinClusterResponse { ClusterId = identity.ClusterId, NodeId = identity.NodeId };
        if (membership.Session is { } session)
        {
            response.Managers.AddRange(session.Status.Managers);
        }

        return response;
    }

    public override Task<ClusterStatusResponse> Status(ClusterStatusRequest request, ServerCallContext context)
    {
        var response = new ClusterStatusResponse();
        if (membership.Credentials is { } credentials)
        {
            response.Joined = true;
            response.ClusterId = credentials.Identity.ClusterId;
            response.NodeId = credentials.Identity.NodeId;
            response.CertificateExpires = credentials.Certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        if (membership.Session is { } session)
        {
            var status = session.Status;
            response.Connected = status.Connected;
            response.ManagerAddress = status.ManagerAddress ?? "";
            response.Managers.AddRange(status.Managers);
            response.LastError = status.LastError ?? "";
        }

        return Task.FromResult(response);
    }
}
