using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("ClusterKit.Scheduler.Tests")]
