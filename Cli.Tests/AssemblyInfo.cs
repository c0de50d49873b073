// ck and its tests run on Linux only (Unix sockets, file modes); CI runs them as root.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
