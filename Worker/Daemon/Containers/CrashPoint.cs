using System.Diagnostics;

namespace ClusterKit.Worker.Containers;

/// <summary>
/// Test-only fault injection for the crash-consistency tests: with <c>CK_TEST_CRASH_AT=OPERATION:STEP</c>
/// in its environment (e.g. <c>start:go</c>, <c>create:save</c>), the worker kills itself with SIGKILL
/// when that step of a container operation ends, as a power cut or an OOM kill would. The steps are
/// the names <see cref="Runtime.StepTimings"/> logs. Unset (always, outside those tests), nothing is hooked.
/// </summary>
internal sealed class CrashPoint
{
    public const string EnvironmentVariable = "CK_TEST_CRASH_AT";

    private readonly string? _step;

    public CrashPoint(string? step)
    {
        _step = string.IsNullOrEmpty(step) ? null : step;
    }

    public static CrashPoint FromEnvironment() => new(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>The hook for one operation's steps; null when no crash is asked for, so that nothing runs per step.</summary>
    public Action<string>? For(string operation) =>
        _step is null ? null : step => Reached(operation + ":" + step);

    /// <summary>Called where a step has no timing of its own (e.g. just before a reply).</summary>
    public void Reached(string operationAndStep)
    {
        if (operationAndStep == _step)
        {
            using var self = Process.GetCurrentProcess();
            self.Kill();
        }
    }
}
