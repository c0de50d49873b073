using ClusterKit.Manager.Store.Sealing;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Files;
using Google.Protobuf;

namespace ClusterKit.Manager.Host.Membership;

/// <summary>
/// This manager's copy of the cluster's data key (ADR 0011): <c>keys/data-key</c> in the data
/// directory, root-only, in clear or wrapped by the autolock unlock key. Held in memory once
/// loaded or unlocked; without it the manager serves no CA operation.
/// </summary>
internal sealed class DataKeyring(string dataDirectory)
{
    private const string WrapLabel = "data-key-file";
    private readonly Lock _gate = new();
    private SealingKey? _current;
    private DataKeyFile? _file;

    public const string LockedMessage = "this manager is locked: run `ck cluster unlock` on it (the cluster is autolocked; the unlock key was printed by `ck cluster init --autolock` or `ck cluster unlock-key`)";

    public string FilePath => Path.Combine(dataDirectory, "keys", "data-key");

    /// <summary>The data key, or null while locked or not yet received.</summary>
    public SealingKey? Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>The key file is wrapped and nobody entered the unlock key since the start.</summary>
    public bool IsLocked
    {
        get
        {
            lock (_gate)
            {
                return _current is null && _file?.WrappedKey is not null;
            }
        }
    }

    /// <summary>Which unlock key wraps the file (null: in clear, or no file).</summary>
    public string? FileUnlockKeyId
    {
        get
        {
            lock (_gate)
            {
                return string.IsNullOrEmpty(_file?.UnlockKeyId) ? null : _file.UnlockKeyId;
            }
        }
    }

    /// <summary>Why a CA operation cannot run here now (in an autolocked cluster only the unlock key brings the data key).</summary>
    public string UnavailableMessage(bool autolock) => IsLocked || autolock
        ? LockedMessage
        : "this manager does not hold the cluster's data key yet (it fetches it from another manager over mutual TLS); try again in a moment, or on another manager";

    /// <summary>Reads the key file if there is one; a wrapped one leaves the keyring locked.</summary>
    public void Load()
    {
        if (!File.Exists(FilePath))
        {
            return;
        }

        DataKeyFile file;
        try
        {
            file = DataKeyFile.Parser.ParseFrom(PrivateKeyFile.ReadBytes(FilePath, "the data key file"));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{FilePath} is corrupt ({e.Message}); restore it from a backup, or move it away so that the manager fetches the key from another manager", e);
        }

        lock (_gate)
        {
            _file = file;
            _current = file.WrappedKey is null ? Checked(SealingKey.FromBytes(file.Key.Span), file.KeyId) : null;
        }
    }

    /// <summary>Opens a wrapped key file with the unlock key; a <see cref="SealedValueException"/> if it is not the key that wrapped it.</summary>
    public SealingKey Unlock(SealingKey unlockKey)
    {
        ArgumentNullException.ThrowIfNull(unlockKey);
        lock (_gate)
        {
            if (_file?.WrappedKey is not { } wrapped)
            {
                throw new InvalidOperationException($"{FilePath} holds no wrapped key to unlock");
            }

            _current = Checked(SealingKey.FromBytes(unlockKey.Open(wrapped, WrapLabel)), _file.KeyId);
            return _current;
        }
    }

    /// <summary>Writes the key (wrapped by <paramref name="unlockKey"/> when given) durably, root-only, and holds it.</summary>
    public void Save(SealingKey key, SealingKey? unlockKey)
    {
        ArgumentNullException.ThrowIfNull(key);
        var file = new DataKeyFile { KeyId = key.Id };
        if (unlockKey is null)
        {
            file.Key = ByteString.CopyFrom(key.ExportBytes());
        }
        else
        {
            file.WrappedKey = unlockKey.Seal(key.ExportBytes(), WrapLabel);
            file.UnlockKeyId = unlockKey.Id;
        }

        lock (_gate)
        {
            WriteDurably(FilePath, file.ToByteArray());
            _file = file;
            _current = key;
        }
    }

    private SealingKey Checked(SealingKey key, string expectedId) => key.Id == expectedId
        ? key
        : throw new InvalidDataException($"{FilePath} names key {expectedId} but holds key {key.Id}; move it away so that the manager fetches the key from another manager");

    private static void WriteDurably(string path, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        AtomicFile.Write(path, content);
    }
}
