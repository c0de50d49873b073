namespace ClusterKit.Manager.Host;

public static class ManagerExitCodes
{
    public const int BadOptions = 2;
    public const int StartFailed = 3;

    /// <summary>The follower watchdog found this manager stuck: restart it.</summary>
    public const int StuckFollower = 75;
}
