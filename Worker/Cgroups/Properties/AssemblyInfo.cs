using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("ClusterKit.Worker.Cgroups.Tests")]
