namespace ClusterKit.Shared.Tests.Etcd;

/// <summary>Keys as the tests send them.</summary>
internal static class EtcdKeys
{
    public static ByteString Key(string key) => ByteString.CopyFromUtf8(key);

    /// <summary>The range_end that makes [prefix, end) every key starting with <paramref name="prefix"/> (etcd's "prefix + 1").</summary>
    public static ByteString PrefixEnd(string prefix)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
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
