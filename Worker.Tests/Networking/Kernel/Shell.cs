using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Networking.Tests.Kernel;

/// <summary>Runs test-side commands (setting up namespaces, probing traffic) and fails loudly.</summary>
internal static class Shell
{
    public static async Task<string> RunAsync(string fileName, params string[] arguments)
    {
        var result = await TryRunAsync(fileName, arguments);
        result.EnsureSuccess(fileName, arguments);
        return result.StandardOutput;
    }

    public static Task<CommandResult> TryRunAsync(string fileName, params string[] arguments) =>
        ProcessCommandRunner.Instance.RunAsync(fileName, arguments);

    public static Task<string> InNamespaceAsync(string namespaceName, string fileName, params string[] arguments) =>
        RunAsync("ip", ["netns", "exec", namespaceName, fileName, .. arguments]);

    public static Task<CommandResult> TryInNamespaceAsync(string namespaceName, string fileName, params string[] arguments) =>
        TryRunAsync("ip", ["netns", "exec", namespaceName, fileName, .. arguments]);

    public static string UniqueHex(int digits = 8) => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..digits];
}
