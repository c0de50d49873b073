using System.CommandLine;
using ClusterKit.Cli.Control;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using ClusterKit.Shared.Parsing;
using Grpc.Core;

namespace ClusterKit.Cli.Commands;

/// <summary>`ck cluster ...`: init, join, inspect, join-token, ca.</summary>
internal static class ClusterCommands
{
    public static Command Build()
    {
        var cluster = new Command("cluster", "Create, join and inspect the cluster");
        ManagerContext.AddTo(cluster);
        cluster.Subcommands.Add(Init());
        cluster.Subcommands.Add(Join());
        cluster.Subcommands.Add(Inspect());
        cluster.Subcommands.Add(JoinToken());
        cluster.Subcommands.Add(Ca());
        return cluster;
    }

    private static Command Init()
    {
        var advertise = new Option<string?>("--advertise-addr") { Description = "The API address HOST:PORT other nodes use to reach this manager (default: its --api-address)" };
        var advertiseRaft = new Option<string?>("--advertise-raft-addr") { Description = "The Raft address HOST:PORT other managers use (default: its --raft-address)" };
        var force = new Option<bool>("--force-new-cluster") { Description = "Recover a one-manager cluster from this manager's data (after losing quorum)" };
        var command = new Command("init", "Make this host's manager the first manager of a new cluster") { advertise, advertiseRaft, force };
        command.SetAction(async (result, ct) =>
        {
            ManagerContext.RequireLocal(result, "ck cluster init");
            var request = new InitRequest
            {
                AdvertiseApiAddress = result.GetValue(advertise) is { } api ? HostPort.Parse(api, "--advertise-addr") : string.Empty,
                AdvertiseRaftAddress = result.GetValue(advertiseRaft) is { } raft ? HostPort.Parse(raft, "--advertise-raft-addr") : string.Empty,
                ForceNewCluster = result.GetValue(force),
            };
            using var manager = ManagerConnection.ForSocket(ManagerContext.SocketPath(result));
            var response = await manager.CallAsync(c => manager.Cluster.InitAsync(request, c), ct, Timeout.InfiniteTimeSpan);
            var address = request.AdvertiseApiAddress.Length > 0 ? request.AdvertiseApiAddress : await ApiAddressOfAsync(manager, response.NodeId, ct);
            if (request.ForceNewCluster)
            {
                Console.WriteLine($"Cluster {response.ClusterId} recovered from this manager's data: it is now its only manager ({response.NodeId}); the other managers were demoted.");
                Console.WriteLine();
                Console.Write(JoinInstructions.ForRole(Proto.Manager.V1.NodeRole.Worker, response.WorkerToken, address));
                Console.WriteLine();
                Console.Write(JoinInstructions.ForRole(Proto.Manager.V1.NodeRole.Manager, response.ManagerToken, address));
                return 0;
            }

            Console.Write(JoinInstructions.AfterInit(response.ClusterId, response.NodeId, response.WorkerToken, response.ManagerToken, address));
            if (response.AdminCertificatePem.Length > 0)
            {
                var files = ManagerContext.AdminFiles(result);
                files.Save(AdminCredentialFiles.FromPem(response.AdminCertificatePem, response.AdminKeyPem, response.RootCertificatesPem));
                Console.WriteLine();
                Console.WriteLine($"The admin certificate is in {files.AdminPath} (trust: {files.TrustPath}); from another machine, copy both there and use --host {address}.");
            }

            return 0;
        });
        return command;
    }

    private static Command Join()
    {
        var token = new Option<string>("--token") { Description = "A worker or manager join token (`ck cluster join-token worker|manager` on a manager)", Required = true };
        var address = new Argument<string>("address") { Description = "A manager's API address HOST:PORT" };
        var command = new Command("join", "Join this host to a cluster as a worker or a manager, as the token says") { token, address };
        command.SetAction(async (result, ct) =>
        {
            ManagerContext.RequireLocal(result, "ck cluster join");
            if (!Shared.Identity.JoinToken.TryParse(result.GetValue(token), out var joinToken, out var error))
            {
                throw new SpecFormatException("--token: " + error);
            }

            var remote = HostPort.Parse(result.GetValue(address), "manager address");
            var joiner = new ClusterJoiner(
                new RemoteJoinManager(remote, TimeProvider.System),
                new LocalJoiners(ManagerContext.SocketPath(result), WorkerConnection.ResolveSocket(result.GetValue(CliContext.WorkerSocket))));
            Console.WriteLine(await joiner.JoinAsync(joinToken, remote, ct));
            return 0;
        });
        return command;
    }

    private static Command Inspect()
    {
        var format = new Option<string?>("--format") { Description = "pretty (default) or json" };
        var command = new Command("inspect", "Show the cluster: id, CA, managers, quorum, leader") { format };
        command.SetAction(async (result, ct) =>
        {
            var json = ManagerContext.IsJson(result.GetValue(format), jsonByDefault: false);
            using var manager = ManagerContext.Connect(result);
            var info = await manager.CallAsync(c => manager.Cluster.InspectAsync(new InspectClusterRequest(), c), ct);
            Console.Write(json ? Json.Format(info) + "\n" : ClusterInfoText.Format(info));
            if (ManagerContext.TryAdminFiles(result)?.FollowRoots(info.RootCertificatesPem, manager.Target) == true)
            {
                await Console.Error.WriteLineAsync($"note: the cluster's roots changed (CA rotation); ck's {AdminCredentialFiles.TrustFileName} now holds them");
            }
            return 0;
        });
        return command;
    }

    private static Command JoinToken()
    {
        var role = new Argument<string>("role") { Description = "worker or manager" };
        var rotate = new Option<bool>("--rotate") { Description = "Replace the token; the old one is refused from now on" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only the token" };
        var command = new Command("join-token", "Print (or rotate) the token that joins a worker or a manager") { role, rotate, quiet };
        command.SetAction(async (result, ct) =>
        {
            var which = JoinInstructions.ParseRole(result.GetValue(role));
            using var manager = ManagerContext.Connect(result);
            var response = await manager.CallAsync(c => manager.Cluster.GetJoinTokenAsync(new GetJoinTokenRequest { Role = which, Rotate = result.GetValue(rotate) }, c), ct);
            if (result.GetValue(quiet))
            {
                Console.WriteLine(response.Token);
                return 0;
            }

            if (result.GetValue(rotate))
            {
                Console.WriteLine($"Successfully rotated {JoinInstructions.RoleName(which)} join token.");
                Console.WriteLine();
            }

            Console.Write(JoinInstructions.ForRole(which, response.Token, manager.Host ?? await LeaderApiAddressAsync(manager, ct)));
            return 0;
        });
        return command;
    }

    private static Command Ca()
    {
        var rotate = new Option<bool>("--rotate") { Description = "Start a CA rotation: a new root, every node re-issued, then the old root dropped" };
        var renewAdmin = new Option<bool>("--renew-admin") { Description = "Renew ck's admin certificate from the current root (needs --host)" };
        var command = new Command("ca", "Print the cluster's root CA certificates, rotate the CA, or renew ck's admin certificate") { rotate, renewAdmin };
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(renewAdmin) && ManagerContext.HostAddress(result) is null)
            {
                throw new SpecFormatException("--renew-admin needs --host HOST:PORT (or $CK_HOST): the manager renews the certificate ck presents over TLS");
            }

            using var manager = ManagerContext.Connect(result);
            if (!result.GetValue(rotate) && !result.GetValue(renewAdmin))
            {
                var info = await manager.CallAsync(c => manager.Cluster.InspectAsync(new InspectClusterRequest(), c), ct);
                foreach (var pem in info.RootCertificatesPem)
                {
                    Console.WriteLine(pem.TrimEnd());
                }

                return 0;
            }

            var files = ManagerContext.AdminFiles(result);
            if (result.GetValue(rotate))
            {
                var response = await manager.CallAsync(c => manager.Cluster.RotateCaAsync(new RotateCaRequest(), c), ct);
                Console.WriteLine($"CA rotation started: {response.Phase}");
                Console.WriteLine("Root CA digests: " + string.Join(", ", response.RootDigests));
                var info = await manager.CallAsync(c => manager.Cluster.InspectAsync(new InspectClusterRequest(), c), ct);
                if (files.FollowRoots(info.RootCertificatesPem, manager.Target))
                {
                    Console.WriteLine($"ck now trusts the old and the new root ({files.TrustPath}).");
                }
            }

            if (manager.Host is not null)
            {
                // The admin certificate must leave the old root before the rotation drops it, or ck is locked out.
                var renewed = await AdminRenewal.RenewAsync(manager, files, ct);
                Console.WriteLine($"ck's admin certificate renewed until {ClusterInfoText.Time(new DateTimeOffset(renewed.Certificate.NotAfter.ToUniversalTime()))} ({files.AdminPath}).");
            }
            else if (files.Exist)
            {
                await Console.Error.WriteLineAsync($"note: ck's admin certificate in {files.AdminPath} is still from the old root; renew it before the rotation completes: ck cluster ca --renew-admin --host MANAGER-API-ADDRESS");
            }

            return 0;
        });
        return command;
    }

    /// <summary>Where joiners reach the manager that answered init: its API address as the store records it.</summary>
    private static async Task<string> ApiAddressOfAsync(ManagerConnection manager, string nodeId, CancellationToken ct)
    {
        try
        {
            var details = await manager.CallAsync(c => manager.Nodes.InspectAsync(new InspectNodeRequest { Node = nodeId }, c), ct);
            return details.Node?.ApiAddress is { Length: > 0 } api ? api : throw new ClusterCommandException($"node {nodeId} has no API address in the store");
        }
        catch (Exception e) when (e is RpcException or ClusterCommandException)
        {
            await Console.Error.WriteLineAsync($"warning: could not read this manager's API address ({e.Message}); put its --api-address where the commands below say MANAGER-ADDRESS");
            return "MANAGER-ADDRESS";
        }
    }

    /// <summary>On the local socket ck cannot tell which manager it is; the leader's address always takes a join.</summary>
    private static async Task<string> LeaderApiAddressAsync(ManagerConnection manager, CancellationToken ct)
    {
        var info = await manager.CallAsync(c => manager.Cluster.InspectAsync(new InspectClusterRequest(), c), ct);
        if (info.LeaderNodeId.Length == 0)
        {
            throw new ClusterCommandException("the cluster has no leader now (quorum lost?), so ck cannot name a manager address to join through; use -q for the token alone");
        }

        return await ApiAddressOfAsync(manager, info.LeaderNodeId, ct);
    }
}
