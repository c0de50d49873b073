using System.CommandLine;
using ClusterKit.Cli.Control;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Identity;
using ClusterKit.Shared.Parsing;
using Grpc.Core;

namespace ClusterKit.Cli.Commands;

/// <summary>`ck cluster ...`: init, join, inspect, join-token, ca, unlock, unlock-key.</summary>
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
        cluster.Subcommands.Add(LockCommands.Unlock());
        cluster.Subcommands.Add(LockCommands.UnlockKey());
        return cluster;
    }

    private static Command Init()
    {
        var advertise = new Option<string?>("--advertise-addr") { Description = "The API address HOST:PORT other nodes use to reach this manager (default: its --api-address)" };
        var advertiseRaft = new Option<string?>("--advertise-raft-addr") { Description = "The Raft address HOST:PORT other managers use (default: its --raft-address)" };
        var force = new Option<bool>("--force-new-cluster") { Description = "Recover a one-manager cluster from this manager's data (after losing quorum)" };
        var autolock = new Option<bool>("--autolock") { Description = "Managers keep the cluster's data key wrapped by an unlock key, entered with `ck cluster unlock` after each restart" };
        var command = new Command("init", "Make this host's manager the first manager of a new cluster") { advertise, advertiseRaft, force, autolock };
        command.SetAction(async (result, ct) =>
        {
            ManagerContext.RequireLocal(result, "ck cluster init");
            var request = new InitRequest
            {
                AdvertiseApiAddress = result.GetValue(advertise) is { } api ? HostPort.Parse(api, "--advertise-addr") : string.Empty,
                AdvertiseRaftAddress = result.GetValue(advertiseRaft) is { } raft ? HostPort.Parse(raft, "--advertise-raft-addr") : string.Empty,
                ForceNewCluster = result.GetValue(force),
                Autolock = result.GetValue(autolock),
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
            if (response.UnlockKey.Length > 0)
            {
                Console.WriteLine();
                Console.Write(LockCommands.UnlockKeyText(response.UnlockKey));
            }
            if (response.AdminCertificatePem.Length > 0)
            {
                var files = ManagerContext.AdminFiles(result);
                Console.WriteLine();

                // A new cluster never replaces another cluster's admin files (or files ck cannot read) behind the operator's back.
                var saved = files.Saved();
                if (AdminCertificateKeeper.Decide(saved, response.ClusterId, renew: true) == AdminFilesAction.Write)
                {
                    files.Save(AdminCredentialFiles.FromPem(response.AdminCertificatePem, response.AdminKeyPem, response.RootCertificatesPem));
                    Console.WriteLine($"The admin certificate is in {files.AdminPath} (trust: {files.TrustPath}); from another machine, copy both there and use --host {address}.");
                }
                else
                {
                    await Console.Error.WriteLineAsync(
                        $"note: {files.Directory} holds {(saved.Problem is null ? $"the admin certificate of another cluster ({saved.ClusterId})" : $"files ck cannot use ({saved.Problem})")}; left them alone. " +
                        $"For this cluster run `ck cluster ca --renew-admin --config-dir DIR` on this host (or move the old files away and run `ck cluster ca --renew-admin`).");
                }
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
            var joined = await joiner.JoinAsync(joinToken, remote, ct);
            Console.WriteLine(joined);
            if (joined.Role == Proto.Manager.V1.NodeRole.Manager)
            {
                await KeepAdminCertificateAfterJoinAsync(result, joined.ClusterId, ct);
            }

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
            Console.Write(json ? Json.Format(info) + "\n" : ClusterInfoText.Format(info, TimeProvider.System.GetUtcNow()));
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
        var rotate = new Option<bool>("--rotate") { Description = "Rotate the CA: a new root, every node re-issued, then the old root dropped; waits until it completes" };
        var detach = new Option<bool>("--detach", "-d") { Description = "With --rotate: return once the rotation has started (it goes on on the managers)" };
        var renewAdmin = new Option<bool>("--renew-admin") { Description = "Get ck an admin certificate from the current root (on a manager host, or with --host)" };
        var command = new Command("ca", "Print the cluster's root CA certificates, rotate the CA, or renew ck's admin certificate") { rotate, detach, renewAdmin };
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(detach) && !result.GetValue(rotate))
            {
                throw new SpecFormatException("--detach: allowed only with --rotate (it returns without waiting for the rotation to complete)");
            }

            using var manager = ManagerContext.Connect(result);
            var info = await manager.CallAsync(c => manager.Cluster.InspectAsync(new InspectClusterRequest(), c), ct);
            if (!result.GetValue(rotate) && !result.GetValue(renewAdmin))
            {
                foreach (var pem in info.RootCertificatesPem)
                {
                    Console.WriteLine(pem.TrimEnd());
                }

                // On stderr: stdout stays a PEM bundle that can be redirected to a file.
                if (RotationProgressText.Summary(info, TimeProvider.System.GetUtcNow()) is { } progress)
                {
                    await Console.Error.WriteLineAsync(progress);
                }

                return 0;
            }

            var files = ManagerContext.AdminFiles(result);
            if (result.GetValue(rotate))
            {
                var response = await manager.CallAsync(c => manager.Cluster.RotateCaAsync(new RotateCaRequest(), c), ct);
                Console.WriteLine($"CA rotation started: {response.Phase}");
                Console.WriteLine("Root CA digests: " + string.Join(", ", response.RootDigests));
                info = await manager.CallAsync(c => manager.Cluster.InspectAsync(new InspectClusterRequest(), c), ct);
                if (files.FollowRoots(info.RootCertificatesPem, manager.Target))
                {
                    Console.WriteLine($"ck now trusts the old and the new root ({files.TrustPath}).");
                }
            }

            // The admin certificate must leave the old root before the rotation drops it, or ck is locked out;
            // over the local socket only when ck keeps one (or was asked to get one).
            NodeCredentials? renewed = null;
            if (result.GetValue(renewAdmin) || manager.Host is not null || !files.Saved().IsEmpty)
            {
                var outcome = await new AdminCertificateKeeper(files).ObtainAsync(
                    (request, c) => manager.CallAsync(o => manager.Cluster.IssueAdminCertificateAsync(request, o), c),
                    info.ClusterId,
                    renew: true,
                    manager.Target,
                    ct);
                if (outcome.Written is null && result.GetValue(renewAdmin))
                {
                    throw new ClusterCommandException(outcome.Message);
                }

                renewed = outcome.Written;
                await (renewed is null ? Console.Error.WriteLineAsync("note: " + outcome.Message) : Console.Out.WriteLineAsync(outcome.Message));
            }

            if (!result.GetValue(rotate) || result.GetValue(detach))
            {
                if (result.GetValue(rotate))
                {
                    Console.WriteLine("Follow the rotation with `ck cluster ca` or `ck cluster inspect`.");
                }

                return 0;
            }

            return await WaitForRotationAsync(manager, renewed, files, info, ct);
        });
        return command;
    }

    /// <summary>Prints the rotation's progress until every node moved and the old root is gone; Ctrl+C stops only the waiting.</summary>
    private static async Task<int> WaitForRotationAsync(ManagerConnection manager, NodeCredentials? renewed, AdminCredentialFiles files, ClusterInfo started, CancellationToken ct)
    {
        // Over TLS, ask with the renewed certificate: once the old root is dropped the first one is refused.
        using var renewedConnection = manager.Host is { } host && renewed is not null ? ManagerConnection.ForHost(host, renewed, TimeProvider.System) : null;
        var asking = renewedConnection ?? manager;
        var watcher = new RotationWatcher(
            c => asking.CallAsync(o => asking.Cluster.InspectAsync(new InspectClusterRequest(), o), c),
            Console.Out,
            TimeProvider.System,
            TimeSpan.FromSeconds(1));
        ClusterInfo done;
        try
        {
            done = await watcher.WaitAsync(started, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Stopped waiting; the CA rotation goes on on the managers. Follow it with `ck cluster ca` or `ck cluster inspect`.");
            return 130;
        }

        Console.WriteLine($"CA rotation complete: every node is on root {string.Join(", ", done.RootDigests)}; the old root was dropped.");
        if (files.FollowRoots(done.RootCertificatesPem, asking.Target))
        {
            Console.WriteLine($"ck now trusts only the new root ({files.TrustPath}).");
        }

        return 0;
    }

    /// <summary>
    /// After a manager join: an admin certificate from the new manager into ck's config directory, so that `--host` works
    /// from this host; never over another cluster's files. The join itself already succeeded, so a failure here only warns.
    /// </summary>
    private static async Task KeepAdminCertificateAfterJoinAsync(ParseResult result, string clusterId, CancellationToken ct)
    {
        try
        {
            using var manager = ManagerConnection.ForSocket(ManagerContext.SocketPath(result));
            var outcome = await new AdminCertificateKeeper(ManagerContext.AdminFiles(result)).ObtainAsync(
                (request, c) => manager.CallAsync(o => manager.Cluster.IssueAdminCertificateAsync(request, o), c),
                clusterId,
                renew: false,
                manager.Target,
                ct);
            Console.WriteLine(outcome.Message);
        }
        catch (Exception e) when (e is ClusterCommandException or SpecFormatException or RpcException or IOException or UnauthorizedAccessException)
        {
            var reason = e is RpcException rpc ? rpc.Status.Detail : e.Message;
            await Console.Error.WriteLineAsync($"warning: joined, but ck got no admin certificate ({reason}); get one later on this host with `ck cluster ca --renew-admin`");
        }
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
