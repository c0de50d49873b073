using System.Runtime.Versioning;

// Blob files and directories are created with Unix modes (0600, 0700), and directories are fsynced through libc.
[assembly: SupportedOSPlatform("linux")]
