using System.Runtime.Versioning;

// ck-manager runs on Linux hosts only (Unix sockets, file modes, the lab's network namespaces).
[assembly: SupportedOSPlatform("linux")]
