using System.Runtime.CompilerServices;
using System.Runtime.Versioning;

[assembly: InternalsVisibleTo("ClusterKit.Worker.Images.Tests")]
[assembly: SupportedOSPlatform("linux")]
