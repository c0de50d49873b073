using Google.Protobuf;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>Keys are bytes, ordered as etcd orders them: unsigned, byte by byte, a prefix first.</summary>
public sealed class KvKeyComparer : IComparer<ByteString>
{
    public static KvKeyComparer Instance { get; } = new();

    public int Compare(ByteString? x, ByteString? y)
        => (x ?? ByteString.Empty).Span.SequenceCompareTo((y ?? ByteString.Empty).Span);
}

/// <summary>
/// The keys a request names: <c>range_end</c> empty means the key alone, "\0" every key from the key on, anything
/// else the half-open interval [key, range_end) (a prefix is the prefix with its last byte plus one).
/// </summary>
public readonly record struct KvKeyRange(ByteString Key, ByteString End)
{
    /// <summary>Every key: from "\0" (below any non-empty key) with no end.</summary>
    public static KvKeyRange All { get; } = new(ByteString.CopyFrom(0), ByteString.CopyFrom(0));

    public bool IsSingle => End.IsEmpty;

    public bool IsUnbounded => End.Length == 1 && End[0] == 0;

    public static KvKeyRange Of(ByteString key, ByteString rangeEnd) => new(key ?? ByteString.Empty, rangeEnd ?? ByteString.Empty);

    public bool Contains(ByteString key)
    {
        if (IsSingle)
        {
            return key == Key;
        }

        return KvKeyComparer.Instance.Compare(key, Key) >= 0 && (IsUnbounded || KvKeyComparer.Instance.Compare(key, End) < 0);
    }

    /// <summary>True when <paramref name="key"/> lies past the range's end (keys are visited in order).</summary>
    public bool IsPast(ByteString key)
        => IsSingle ? KvKeyComparer.Instance.Compare(key, Key) > 0 : !IsUnbounded && KvKeyComparer.Instance.Compare(key, End) >= 0;

    /// <summary>The range_end of a prefix: the prefix with its last byte below 0xff raised by one ("\0" when none).</summary>
    public static ByteString PrefixEnd(ByteString prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var bytes = prefix.ToByteArray();
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes[i] < 0xff)
            {
                bytes[i]++;
                return ByteString.CopyFrom(bytes, 0, i + 1);
            }
        }

        return ByteString.CopyFrom(0);
    }
}
