using System.Runtime.Versioning;

// The managers under test are Linux processes (Unix sockets, network namespaces).
[assembly: SupportedOSPlatform("linux")]
