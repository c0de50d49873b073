using System.Diagnostics;
using System.Text.Json;
using ClusterKit.TestKit;

namespace ClusterKit.Manager.Tests.Kv.Etcd;

/// <summary>
/// Debian's etcdctl 3.4, unchanged, against our etcd services (in-process, plain HTTP/2 on loopback: the manager's
/// TLS port needs a joined cluster and an admin certificate, not set up here).
/// </summary>
public sealed class EtcdctlSmokeTests
{
    [Fact]
    public async Task Etcdctl_puts_gets_deletes_runs_a_txn_uses_leases_and_reads_status_and_members()
    {
        await using var server = await EtcdTestServer.StartAsync();
        var endpoint = server.Endpoint;

        await RunAsync(endpoint, "put", "/smoke/a", "1");
        await RunAsync(endpoint, "put", "/smoke/b", "2");
        Assert.Equal("/smoke/a\n1\n/smoke/b\n2\n", await RunAsync(endpoint, "get", "--prefix", "/smoke/"));
        Assert.Equal("1\n", await RunAsync(endpoint, "del", "/smoke/a"));

        var txn = await RunAsync(endpoint, ["txn"], "value(\"/smoke/b\") = \"2\"\n\nput /smoke/c 3\n\nput /smoke/c 4\n\n");
        Assert.StartsWith("SUCCESS", txn, StringComparison.Ordinal);
        Assert.Equal("3\n", await RunAsync(endpoint, "get", "--print-value-only", "/smoke/c"));

        var grant = await RunAsync(endpoint, "lease", "grant", "60");
        var id = grant.Split(' ')[1];
        Assert.Matches("^lease [0-9a-f]+ granted with TTL\\(60s\\)\n$", grant);
        await RunAsync(endpoint, "put", "--lease=" + id, "/smoke/leased", "x");
        Assert.Equal($"lease {id} keepalived with TTL(60)\n", await RunAsync(endpoint, "lease", "keep-alive", "--once", id));
        Assert.Contains("/smoke/leased", await RunAsync(endpoint, "lease", "timetolive", "--keys", id), StringComparison.Ordinal);
        await RunAsync(endpoint, "lease", "revoke", id);
        Assert.Equal(string.Empty, await RunAsync(endpoint, "get", "/smoke/leased"));

        var status = await Etcdctl.RunJsonAsync(endpoint, ["endpoint", "status"]);
        var reported = status[0].GetProperty("Status");
        Assert.Equal(EtcdTestServer.MemberId, reported.GetProperty("header").GetProperty("member_id").GetUInt64());
        Assert.Equal(EtcdTestServer.MemberId, reported.GetProperty("leader").GetUInt64());
        Assert.Equal(server.Store.State.Kv.Revision, reported.GetProperty("header").GetProperty("revision").GetInt64());
        Assert.True(reported.GetProperty("dbSize").GetInt64() > 0);

        var members = await Etcdctl.RunJsonAsync(endpoint, ["member", "list"]);
        var member = members.GetProperty("members").EnumerateArray().Single();
        Assert.Equal(("test-manager", EtcdTestServer.MemberId), (member.GetProperty("name").GetString(), member.GetProperty("ID").GetUInt64()));
        Assert.Equal(JsonValueKind.Array, member.GetProperty("clientURLs").ValueKind);
    }

    [Fact]
    public async Task Etcdctl_watch_prints_the_history_from_a_revision()
    {
        await using var server = await EtcdTestServer.StartAsync();
        await RunAsync(server.Endpoint, "put", "/w/a", "1");
        await RunAsync(server.Endpoint, "del", "/w/a");

        // etcdctl watches until it is stopped: this test reads the history it prints, then kills that one process.
        var info = new ProcessStartInfo("/usr/bin/env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["ETCDCTL_API=3", "/usr/bin/etcdctl", "--endpoints=" + server.Endpoint, "watch", "--prefix", "--rev=2", "/w/"])
        {
            info.ArgumentList.Add(argument);
        }

        using var watch = Process.Start(info)!;
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var lines = new List<string>();
            while (lines.Count < 5 && await watch.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                lines.Add(line);
            }

            Assert.Equal(["PUT", "/w/a", "1", "DELETE", "/w/a"], lines);
        }
        finally
        {
            watch.Kill();
            await watch.WaitForExitAsync();
        }
    }

    private static Task<string> RunAsync(string endpoint, params string[] arguments) => RunAsync(endpoint, arguments, null);

    private static async Task<string> RunAsync(string endpoint, string[] arguments, string? input)
    {
        var result = await Etcdctl.RunAsync(endpoint, arguments, input);
        Assert.True(result.ExitCode == 0, $"etcdctl {string.Join(' ', arguments)} exited with {result.ExitCode}: {result.Stderr}");
        return result.Stdout;
    }
}
