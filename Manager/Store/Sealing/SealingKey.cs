using System.Security.Cryptography;
using System.Text;
using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store.Sealing;

/// <summary>
/// A 256-bit AES-GCM key that seals secrets into <see cref="SealedValue"/>s: the cluster's data key
/// (for values in the replicated store) and the autolock unlock key (for each manager's copy of
/// the data key). The label is the associated data: a value opens only under the label it was
/// sealed for, so it cannot be moved to another field or object.
/// </summary>
public sealed class SealingKey : IDisposable
{
    public const int Size = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    private SealingKey(byte[] key)
    {
        _key = key;
        Id = IdOf(key);
    }

    /// <summary>A name for the key that reveals nothing of it (a truncated SHA-256), stored beside what it sealed.</summary>
    public string Id { get; }

    public static SealingKey Create() => new(RandomNumberGenerator.GetBytes(Size));

    public static SealingKey FromBytes(ReadOnlySpan<byte> key) => key.Length == Size
        ? new SealingKey(key.ToArray())
        : throw new InvalidDataException($"a sealing key is {Size} bytes, not {key.Length}");

    public static string IdOf(ReadOnlySpan<byte> key) => "k-" + Convert.ToHexStringLower(SHA256.HashData(key))[..16];

    public byte[] ExportBytes() => (byte[])_key.Clone();

    public SealedValue Seal(ReadOnlySpan<byte> plaintext, string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[TagSize];
        using (var aes = new AesGcm(_key, TagSize))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag, Encoding.UTF8.GetBytes(label));
        }

        return new SealedValue { KeyId = Id, Nonce = ByteString.CopyFrom(nonce), Ciphertext = ByteString.CopyFrom(ciphertext), Tag = ByteString.CopyFrom(tag) };
    }

    public SealedValue SealString(string plaintext, string label) => Seal(Encoding.UTF8.GetBytes(plaintext), label);

    /// <summary>The plaintext; a <see cref="SealedValueException"/> naming the label if another key sealed it or it was altered.</summary>
    public byte[] Open(SealedValue sealedValue, string label)
    {
        ArgumentNullException.ThrowIfNull(sealedValue);
        ArgumentNullException.ThrowIfNull(label);
        if (sealedValue.KeyId != Id)
        {
            throw new SealedValueException($"{label} is sealed with key {sealedValue.KeyId}, and this key is {Id}");
        }

        if (sealedValue.Nonce.Length != NonceSize || sealedValue.Tag.Length != TagSize)
        {
            throw new SealedValueException($"{label} is not a sealed value (nonce {sealedValue.Nonce.Length} bytes, tag {sealedValue.Tag.Length}; allowed: {NonceSize} and {TagSize})");
        }

        var plaintext = new byte[sealedValue.Ciphertext.Length];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(sealedValue.Nonce.Span, sealedValue.Ciphertext.Span, sealedValue.Tag.Span, plaintext, Encoding.UTF8.GetBytes(label));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new SealedValueException($"{label} does not open with key {Id}: it was altered or sealed for another field", e);
        }

        return plaintext;
    }

    public string OpenString(SealedValue sealedValue, string label) => Encoding.UTF8.GetString(Open(sealedValue, label));

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}

/// <summary>A sealed value that does not open: the wrong key, or altered.</summary>
public sealed class SealedValueException : Exception
{
    public SealedValueException(string message)
        : base(message)
    {
    }

    public SealedValueException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
