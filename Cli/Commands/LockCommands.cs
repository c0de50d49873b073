using System.CommandLine;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Cli.Commands;

/// <summary>`ck cluster unlock` and `ck cluster unlock-key [--rotate]`: autolock (ADR 0011), as `docker swarm unlock`.</summary>
internal static class LockCommands
{
    public static Command Unlock()
    {
        var command = new Command("unlock", "Unlock this host's manager after a restart: reads the unlock key from standard input");
        command.SetAction(async (result, ct) =>
        {
            ManagerContext.RequireLocal(result, "ck cluster unlock");
            if (!Console.IsInputRedirected)
            {
                Console.Write("Enter unlock key: ");
            }

            var key = (await Console.In.ReadLineAsync(ct))?.Trim();
            if (string.IsNullOrEmpty(key))
            {
                await Console.Error.WriteLineAsync("ck cluster unlock: no unlock key on standard input; allowed: the CKKEY-1-... key printed by `ck cluster init --autolock` or `ck cluster unlock-key`");
                return 2;
            }

            using var manager = ManagerConnection.ForSocket(ManagerContext.SocketPath(result));
            var response = await manager.CallAsync(c => manager.Cluster.UnlockAsync(new UnlockRequest { UnlockKey = key }, c), ct);
            Console.WriteLine($"Unlocked: this manager holds the cluster's data key {response.KeyId} again and serves CA operations.");
            return 0;
        });
        return command;
    }

    public static Command UnlockKey()
    {
        var rotate = new Option<bool>("--rotate") { Description = "Replace the unlock key; every manager rewraps its key file with the new one" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only the key" };
        var command = new Command("unlock-key", "Print (or rotate) the key that unlocks an autolocked manager") { rotate, quiet };
        command.SetAction(async (result, ct) =>
        {
            using var manager = ManagerContext.Connect(result);
            var response = await manager.CallAsync(c => manager.Cluster.GetUnlockKeyAsync(new GetUnlockKeyRequest { Rotate = result.GetValue(rotate) }, c), ct);
            if (result.GetValue(quiet))
            {
                Console.WriteLine(response.UnlockKey);
                return 0;
            }

            if (result.GetValue(rotate))
            {
                Console.WriteLine("Successfully rotated the unlock key. Running managers rewrap their key files with it; a manager that is down now is unlocked with it too (it fetches the key from an unlocked manager), or with the old key if no other manager is up.");
                Console.WriteLine();
            }

            Console.Write(UnlockKeyText(response.UnlockKey));
            return 0;
        });
        return command;
    }

    public static string UnlockKeyText(string unlockKey) =>
        "To unlock a manager after it restarts, run `ck cluster unlock` on its host and enter:\n\n" +
        $"    {unlockKey}\n\n" +
        "Keep it safe: without it a restarted manager serves no CA operation until unlocked.\n";
}
