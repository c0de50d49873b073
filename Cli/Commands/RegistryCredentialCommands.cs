using System.CommandLine;
using System.Globalization;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Cli.Commands;

/// <summary>
/// `ck registry credential create|ls|rm`: user names and secrets with which standard clients (skopeo, docker login)
/// get tokens from the cluster registry; the managers keep only a hash of each secret (ADR 0016).
/// </summary>
internal static class RegistryCredentialCommands
{
    public static Command Build()
    {
        var credential = new Command("credential", "Credentials for standard registry clients (skopeo --creds, docker login)");
        credential.Subcommands.Add(Create());
        credential.Subcommands.Add(List());
        credential.Subcommands.Add(Remove());
        return credential;
    }

    private static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The user name (lowercase letters, digits, '-', '_', '.')" };
        var push = new Option<bool>("--push") { Description = "May push and delete too (default: pull only)" };
        var command = new Command("create", "Issue a credential; its secret is printed once and only its hash is kept") { name, push };
        command.SetAction(async (result, ct) =>
        {
            using var manager = ManagerContext.Connect(result);
            var created = await manager.CallAsync(
                c => manager.RegistryAccess.CreateCredentialAsync(new CreateRegistryCredentialRequest { Name = result.GetValue(name), Push = result.GetValue(push) }, c),
                ct);
            Console.Write(CreatedText(created));
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("ls", "List the registry credentials (never their secrets)");
        command.Aliases.Add("list");
        command.SetAction(async (result, ct) =>
        {
            using var manager = ManagerContext.Connect(result);
            var listed = await manager.CallAsync(c => manager.RegistryAccess.ListCredentialsAsync(new ListRegistryCredentialsRequest(), c), ct);
            var table = new TextTable("NAME", "ACCESS", "CREATED", "CREATED BY");
            foreach (var c in listed.Credentials)
            {
                table.Add(
                    c.Name,
                    c.Push ? "pull, push, delete" : "pull",
                    DateTimeOffset.FromUnixTimeMilliseconds(c.CreatedAtUnixMs).ToString("u", CultureInfo.InvariantCulture),
                    c.CreatedBy);
            }

            Console.Write(table.ToString());
            return 0;
        });
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("name") { Description = "The credential to revoke" };
        var command = new Command("rm", "Revoke a credential: it gets no new token (tokens already issued expire within 5 minutes)") { name };
        command.Aliases.Add("revoke");
        command.SetAction(async (result, ct) =>
        {
            using var manager = ManagerContext.Connect(result);
            await manager.CallAsync(c => manager.RegistryAccess.RevokeCredentialAsync(new RevokeRegistryCredentialRequest { Name = result.GetValue(name) }, c), ct);
            Console.WriteLine(result.GetValue(name));
            return 0;
        });
        return command;
    }

    public static string CreatedText(CreateRegistryCredentialResponse created)
    {
        ArgumentNullException.ThrowIfNull(created);
        return $"""
            Registry credential {created.Name} ({(created.Push ? "pull, push, delete" : "pull")}). The secret is shown this once:

                {created.Secret}

            Use it against any manager's API address, trusting the cluster's root certificate:
                skopeo copy --dest-creds {created.Name}:SECRET --dest-cert-dir DIR-WITH-ca.crt ... docker://MANAGER:PORT/NAME:TAG
                docker login MANAGER:PORT --username {created.Name} --password-stdin
            Revoke it with `ck registry credential rm {created.Name}`.

            """;
    }
}
