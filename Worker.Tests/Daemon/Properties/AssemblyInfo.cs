using System.Runtime.Versioning;

[assembly: SupportedOSPlatform("linux")]
[assembly: CollectionBehavior(DisableTestParallelization = false, MaxParallelThreads = 2)]
