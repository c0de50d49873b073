using System.Formats.Tar;
using System.Text;
using ClusterKit.Worker.Host;

namespace ClusterKit.Worker.Images.Layers;

/// <summary>What the directory given to <see cref="LayerPacker"/> is.</summary>
internal enum LayerSource
{
    /// <summary>A plain root filesystem (import).</summary>
    Directory,

    /// <summary>A container's overlayfs upper dir (commit): overlay whiteouts become AUFS-style entries.</summary>
    OverlayUpper,
}

/// <summary>
/// Writes a directory as a layer tar, deterministically: entries in ordinal order, depth first,
/// directories before their contents, mtimes truncated to whole seconds (and optionally clamped),
/// no user or group names, hard links recorded once. The same tree gives the same bytes and so the
/// same diff id. Entries go out in GNU format; the few that carry xattrs need PAX, whose header name
/// .NET fills with the process id, so that name is rewritten to a constant.
/// </summary>
internal sealed class LayerPacker
{
    private const int BlockSize = 512;
    private static readonly byte[] PaxHeaderName = "PaxHeaders/xattrs"u8.ToArray();
    private readonly ISystemCalls _system;

    public LayerPacker(ISystemCalls system)
    {
        _system = system;
    }

    public async Task PackAsync(string directory, Stream output, LayerSource source, DateTimeOffset? clampModificationTime, CancellationToken cancellationToken)
    {
        var state = new PackState(Path.GetFullPath(directory), output, source, clampModificationTime);
        await using (var writer = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: true))
        {
            state.Writer = writer;
            await VisitAsync(state, string.Empty, cancellationToken);
        }

        if (state.WriterEntries == 0)
        {
            // TarWriter writes the end-of-archive marker only after entries of its own (PAX ones go
            // around it); an empty layer, or one of only PAX entries, still needs it.
            await output.WriteAsync(new byte[2 * BlockSize], cancellationToken);
        }
    }

    private async Task VisitAsync(PackState state, string relativeDirectory, CancellationToken cancellationToken)
    {
        var fullDirectory = relativeDirectory.Length == 0 ? state.Root : state.Root + "/" + relativeDirectory;
        var names = Directory.EnumerateFileSystemEntries(fullDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var relative = relativeDirectory.Length == 0 ? name! : relativeDirectory + "/" + name;
            var full = state.Root + "/" + relative;
            var status = _system.GetFileStatus(full);
            var time = Time(status.ModificationTime, state.Clamp);
            switch (status.Type)
            {
                case FileNodeType.Directory:
                    await WriteAsync(state, TarEntryType.Directory, relative + "/", status, time, full, cancellationToken);
                    if (state.Source == LayerSource.OverlayUpper && Whiteouts.IsOpaqueValue(_system.GetExtendedAttribute(full, Whiteouts.OverlayOpaqueAttribute)))
                    {
                        await WriteMarkerAsync(state, Whiteouts.OpaqueEntryFor(relative), time, cancellationToken);
                    }

                    await VisitAsync(state, relative, cancellationToken);
                    break;
                case FileNodeType.CharacterDevice when state.Source == LayerSource.OverlayUpper && Whiteouts.IsOverlayWhiteout(status):
                    await WriteMarkerAsync(state, Whiteouts.RemovalEntryFor(relative), time, cancellationToken);
                    break;
                case FileNodeType.RegularFile when status.LinkCount > 1 && state.HardLinks.TryGetValue((status.Device, status.Inode), out var first):
                    await WriteAsync(state, TarEntryType.HardLink, relative, status, time, full, cancellationToken, linkName: first);
                    break;
                case FileNodeType.RegularFile:
                    if (status.LinkCount > 1)
                    {
                        state.HardLinks[(status.Device, status.Inode)] = relative;
                    }

                    await WriteAsync(state, TarEntryType.RegularFile, relative, status, time, full, cancellationToken);
                    break;
                case FileNodeType.SymbolicLink:
                    var target = new FileInfo(full).LinkTarget ?? throw new IOException($"cannot read symlink {full}");
                    await WriteAsync(state, TarEntryType.SymbolicLink, relative, status, time, full, cancellationToken, linkName: target);
                    break;
                case FileNodeType.CharacterDevice:
                    await WriteAsync(state, TarEntryType.CharacterDevice, relative, status, time, full, cancellationToken);
                    break;
                case FileNodeType.BlockDevice:
                    await WriteAsync(state, TarEntryType.BlockDevice, relative, status, time, full, cancellationToken);
                    break;
                case FileNodeType.Fifo:
                    await WriteAsync(state, TarEntryType.Fifo, relative, status, time, full, cancellationToken);
                    break;
                case FileNodeType.Socket:
                    // A tar cannot hold a socket; a socket left by a running process is not image content.
                    break;
            }
        }
    }

    private static DateTimeOffset Time(DateTimeOffset modified, DateTimeOffset? clamp)
    {
        var seconds = DateTimeOffset.FromUnixTimeSeconds(modified.ToUnixTimeSeconds());
        return clamp is { } limit && seconds > limit ? DateTimeOffset.FromUnixTimeSeconds(limit.ToUnixTimeSeconds()) : seconds;
    }

    private static async Task WriteMarkerAsync(PackState state, string name, DateTimeOffset time, CancellationToken cancellationToken)
    {
        var marker = new GnuTarEntry(TarEntryType.RegularFile, name) { Mode = UnixFileMode.None, Uid = 0, Gid = 0, ModificationTime = time };
        await state.Writer!.WriteEntryAsync(marker, cancellationToken);
        state.WriterEntries++;
    }

    private async Task WriteAsync(PackState state, TarEntryType type, string name, FileStatus status, DateTimeOffset time, string full, CancellationToken cancellationToken, string? linkName = null)
    {
        var attributes = ExtendedAttributes(full);
        PosixTarEntry entry = attributes.Count == 0
            ? new GnuTarEntry(type, name)
            : new PaxTarEntry(type, name, attributes);
        entry.Mode = status.Permissions;
        entry.Uid = status.Uid;
        entry.Gid = status.Gid;
        entry.ModificationTime = time;
        if (linkName is not null)
        {
            entry.LinkName = linkName;
        }

        if (type is TarEntryType.CharacterDevice or TarEntryType.BlockDevice)
        {
            entry.DeviceMajor = status.DeviceMajor;
            entry.DeviceMinor = status.DeviceMinor;
        }

        FileStream? data = null;
        try
        {
            if (type == TarEntryType.RegularFile)
            {
                data = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                entry.DataStream = data;
            }

            if (entry is PaxTarEntry)
            {
                await WritePaxAsync(state.Output, entry, cancellationToken);
            }
            else
            {
                await state.Writer!.WriteEntryAsync(entry, cancellationToken);
                state.WriterEntries++;
            }
        }
        finally
        {
            if (data is not null)
            {
                await data.DisposeAsync();
            }
        }
    }

    /// <summary>xattrs worth carrying: not overlayfs' own bookkeeping, and only UTF-8 values (PAX records are strings here).</summary>
    private SortedDictionary<string, string> ExtendedAttributes(string full)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in _system.ListExtendedAttributes(full))
        {
            if (name.StartsWith(Whiteouts.OverlayAttributePrefix, StringComparison.Ordinal) || name == "security.selinux")
            {
                continue;
            }

            if (_system.GetExtendedAttribute(full, name) is { } value && TryUtf8(value, out var text))
            {
                result["SCHILY.xattr." + name] = text;
            }
        }

        return result;
    }

    private static bool TryUtf8(byte[] value, out string text)
    {
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(value);
            return !text.Contains('\0', StringComparison.Ordinal);
        }
        catch (DecoderFallbackException)
        {
            text = string.Empty;
            return false;
        }
    }

    /// <summary>Writes one PAX entry through a scratch writer, with the extended header's name made constant.</summary>
    private static async Task WritePaxAsync(Stream output, TarEntry entry, CancellationToken cancellationToken)
    {
        using var scratch = new MemoryStream();
        await using (var writer = new TarWriter(scratch, TarEntryFormat.Pax, leaveOpen: true))
        {
            await writer.WriteEntryAsync(entry, cancellationToken);
        }

        // The scratch writer ends with two zero blocks (end of archive), which must not reach the layer.
        var bytes = scratch.GetBuffer();
        var length = (int)scratch.Length - (2 * BlockSize);
        Array.Clear(bytes, 0, 100);
        PaxHeaderName.CopyTo(bytes, 0);
        WriteChecksum(bytes.AsSpan(0, BlockSize));
        await output.WriteAsync(bytes.AsMemory(0, length), cancellationToken);
    }

    private static void WriteChecksum(Span<byte> header)
    {
        header.Slice(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in header)
        {
            sum += b;
        }

        var octal = Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0'));
        octal.CopyTo(header[148..]);
        header[154] = 0;
        header[155] = (byte)' ';
    }

    private sealed class PackState(string root, Stream output, LayerSource source, DateTimeOffset? clamp)
    {
        public string Root { get; } = root;

        public Stream Output { get; } = output;

        public LayerSource Source { get; } = source;

        public DateTimeOffset? Clamp { get; } = clamp;

        public TarWriter? Writer { get; set; }

        /// <summary>Entries the GNU writer wrote itself (not the PAX ones written around it).</summary>
        public int WriterEntries { get; set; }

        public Dictionary<(ulong Device, ulong Inode), string> HardLinks { get; } = [];
    }
}
