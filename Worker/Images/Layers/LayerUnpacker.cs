using System.Formats.Tar;
using System.Text;
using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Images.Layers;

/// <summary>
/// Unpacks one layer tar into its own directory, in the form overlayfs takes as a lowerdir:
/// AUFS whiteouts become overlay whiteouts (0/0 character devices) and opaque markers become
/// trusted.overlay.opaque=y. Owners, modes, times, device numbers and xattrs are applied as
/// recorded. Nothing is ever written outside the destination: entries with ".." and entries
/// that would pass through a symlink are refused (symlink targets themselves may point anywhere).
/// </summary>
internal sealed class LayerUnpacker
{
    private const string XattrPrefix = "SCHILY.xattr.";

    /// <summary>rwxr-xr-x: a layer directory whose mode the tar does not give.</summary>
    internal const UnixFileMode ImageDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private readonly ISystemCalls _system;

    public LayerUnpacker(ISystemCalls system)
    {
        _system = system;
    }

    /// <summary>Unpacks <paramref name="tar"/> (already decompressed) into the existing directory <paramref name="destination"/>.</summary>
    public async Task UnpackAsync(Stream tar, string destination, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(destination);
        var directoryTimes = new List<(string Path, DateTimeOffset Time)>();
        var knownDirectories = new HashSet<string>(StringComparer.Ordinal) { string.Empty };
        await using var reader = new TarReader(tar, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.EntryType is TarEntryType.GlobalExtendedAttributes)
            {
                continue;
            }

            var relative = Normalise(entry.Name);
            var whiteout = Whiteouts.Classify(relative, out var target);
            switch (whiteout)
            {
                case WhiteoutKind.Metadata:
                    continue;
                case WhiteoutKind.Opaque:
                    EnsureDirectory(root, target, knownDirectories);
                    _system.SetExtendedAttribute(Full(root, target), Whiteouts.OverlayOpaqueAttribute, "y"u8.ToArray());
                    continue;
                case WhiteoutKind.Remove:
                    if (target.EndsWith('/') || target.Split('/')[^1] is "" or "." or "..")
                    {
                        throw Corrupt($"whiteout '{entry.Name}' names no file ('.wh.' must be followed by a file name)");
                    }

                    EnsureParent(root, target, knownDirectories);
                    RemoveExisting(Full(root, target), knownDirectories, target);
                    _system.MakeNode(Full(root, target), FileNodeType.CharacterDevice, UnixFileMode.None, 0, 0);
                    continue;
                case WhiteoutKind.None:
                    break;
            }

            try
            {
                await CreateAsync(entry, root, relative, knownDirectories, directoryTimes, cancellationToken);
            }
            catch (Exception error) when (error is KernelCallException or IOException or UnauthorizedAccessException)
            {
                throw new ImageStoreException(ImageErrorKind.CorruptContent, $"entry '{entry.Name}' ({entry.EntryType}) refused: {EntryFailure.Explain(entry, error)}", error);
            }
        }

        // Directory times last, deepest first: creating children changes a directory's mtime.
        for (var i = directoryTimes.Count - 1; i >= 0; i--)
        {
            _system.SetModificationTime(directoryTimes[i].Path, directoryTimes[i].Time);
        }
    }

    private async Task CreateAsync(TarEntry entry, string root, string relative, HashSet<string> knownDirectories, List<(string, DateTimeOffset)> directoryTimes, CancellationToken cancellationToken)
    {
        var full = Full(root, relative);
        if (relative.Length == 0 && entry.EntryType != TarEntryType.Directory)
        {
            throw Corrupt($"entry '{entry.Name}' is a {entry.EntryType} at the layer root; only a directory may stand for the root");
        }

        EnsureParent(root, relative, knownDirectories);

        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (relative.Length > 0 && !knownDirectories.Contains(relative))
                {
                    RemoveExisting(full, knownDirectories, relative, keepDirectory: true);
                    Directory.CreateDirectory(full);
                    knownDirectories.Add(relative);
                }

                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                RemoveExisting(full, knownDirectories, relative);
                await using (var file = new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                {
                    if (entry.DataStream is { } data)
                    {
                        await data.CopyToAsync(file, cancellationToken);
                    }
                }

                break;
            case TarEntryType.SymbolicLink:
                RemoveExisting(full, knownDirectories, relative);
                File.CreateSymbolicLink(full, entry.LinkName);
                break;
            case TarEntryType.HardLink:
                var linkTarget = Normalise(entry.LinkName);
                if (linkTarget.Length == 0)
                {
                    throw Corrupt($"hard link '{entry.Name}' points at the layer root");
                }

                EnsureParent(root, linkTarget, knownDirectories);
                RemoveExisting(full, knownDirectories, relative);
                _system.CreateHardLink(Full(root, linkTarget), full);

                // A hard link shares the inode of its target, which already carries owner, mode and times.
                return;
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                RemoveExisting(full, knownDirectories, relative);
                var posix = (PosixTarEntry)entry;
                var type = entry.EntryType switch
                {
                    TarEntryType.CharacterDevice => FileNodeType.CharacterDevice,
                    TarEntryType.BlockDevice => FileNodeType.BlockDevice,
                    _ => FileNodeType.Fifo,
                };
                _system.MakeNode(full, type, entry.Mode, posix.DeviceMajor, posix.DeviceMinor);
                break;
            default:
                throw Corrupt($"entry '{entry.Name}' has type {entry.EntryType}, which layers cannot hold; allowed: files, directories, symlinks, hard links, devices, fifos");
        }

        _system.ChangeOwner(full, entry.Uid, entry.Gid);
        if (entry.EntryType != TarEntryType.SymbolicLink)
        {
            // After chown, which clears set-uid and set-gid bits.
            File.SetUnixFileMode(full, entry.Mode);
        }

        if (entry is PaxTarEntry pax)
        {
            foreach (var (key, value) in pax.ExtendedAttributes)
            {
                if (key.StartsWith(XattrPrefix, StringComparison.Ordinal) && !key.AsSpan(XattrPrefix.Length).StartsWith(Whiteouts.OverlayAttributePrefix, StringComparison.Ordinal))
                {
                    SetAttribute(full, key[XattrPrefix.Length..], value);
                }
            }
        }

        if (entry.EntryType == TarEntryType.Directory)
        {
            directoryTimes.Add((full, entry.ModificationTime));
        }
        else
        {
            _system.SetModificationTime(full, entry.ModificationTime);
        }
    }

    private void SetAttribute(string path, string name, string value)
    {
        try
        {
            _system.SetExtendedAttribute(path, name, Encoding.UTF8.GetBytes(value));
        }
        catch (KernelCallException ex) when (ex.Errno is 95 or 1)
        {
            // The file system (or a symlink) takes no such attribute; Docker skips these as well.
        }
    }

    /// <summary>The entry's path relative to the layer root, without "./", leading or trailing slashes.</summary>
    internal static string Normalise(string name)
    {
        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                throw Corrupt($"entry '{name}' escapes the root of the tar ('..' is not allowed in entry paths)");
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    private static string Full(string root, string relative) => relative.Length == 0 ? root : root + "/" + relative;

    private void EnsureParent(string root, string relative, HashSet<string> knownDirectories)
    {
        var slash = relative.LastIndexOf('/');
        if (slash > 0)
        {
            EnsureDirectory(root, relative[..slash], knownDirectories);
        }
    }

    /// <summary>Makes every component of <paramref name="relative"/> a real directory, refusing to go through a symlink.</summary>
    private void EnsureDirectory(string root, string relative, HashSet<string> knownDirectories)
    {
        if (knownDirectories.Contains(relative))
        {
            return;
        }

        EnsureParent(root, relative, knownDirectories);
        var full = Full(root, relative);
        var status = TryStatus(full);
        if (status is null)
        {
            // A parent the tar does not list gets the conventional 0755 (as Docker's), never the daemon's root-only umask.
            Directory.CreateDirectory(full);
            File.SetUnixFileMode(full, ImageDirectoryMode);
        }
        else if (status.Type != FileNodeType.Directory)
        {
            throw Corrupt($"entry below '{relative}' would be written through a {Describe(status.Type)}, outside the layer's own directories");
        }

        knownDirectories.Add(relative);
    }

    private void RemoveExisting(string full, HashSet<string> knownDirectories, string relative, bool keepDirectory = false)
    {
        var status = TryStatus(full);
        if (status is null)
        {
            return;
        }

        if (status.Type == FileNodeType.Directory)
        {
            if (keepDirectory)
            {
                return;
            }

            Directory.Delete(full, recursive: true);
            knownDirectories.RemoveWhere(d => d == relative || d.StartsWith(relative + "/", StringComparison.Ordinal));
        }
        else
        {
            File.Delete(full);
        }
    }

    private FileStatus? TryStatus(string path)
    {
        try
        {
            return _system.GetFileStatus(path);
        }
        catch (KernelCallException ex) when (ex.Errno == 2)
        {
            return null;
        }
    }

    private static string Describe(FileNodeType type) => type switch
    {
        FileNodeType.SymbolicLink => "symlink",
        FileNodeType.RegularFile => "regular file",
        _ => type.ToString(),
    };

    private static ImageStoreException Corrupt(string message) => new(ImageErrorKind.CorruptContent, message);
}
