using System.Runtime.CompilerServices;
using System.Runtime.Versioning;

// The worker drives Linux namespaces, cgroups and nftables: it runs on Linux only.
[assembly: SupportedOSPlatform("linux")]
[assembly: InternalsVisibleTo("ClusterKit.Worker.Tests")]
