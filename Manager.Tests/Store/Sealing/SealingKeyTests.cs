using System.Text;
using ClusterKit.Manager.Store.Sealing;
using Google.Protobuf;

namespace ClusterKit.Manager.Tests.Store.Sealing;

public sealed class SealingKeyTests
{
    [Fact]
    public void A_sealed_value_opens_under_its_key_and_label_and_holds_no_plaintext()
    {
        using var key = SealingKey.Create();
        var sealedValue = key.SealString("-----BEGIN PRIVATE KEY-----secret", "cluster/c1/signing_root_key");

        Assert.Equal(key.Id, sealedValue.KeyId);
        Assert.DoesNotContain("PRIVATE", Encoding.ASCII.GetString(sealedValue.ToByteArray()), StringComparison.Ordinal);
        Assert.Equal("-----BEGIN PRIVATE KEY-----secret", key.OpenString(sealedValue, "cluster/c1/signing_root_key"));
        Assert.NotEqual(sealedValue.Nonce, key.SealString("-----BEGIN PRIVATE KEY-----secret", "cluster/c1/signing_root_key").Nonce);
    }

    [Fact]
    public void Another_label_another_key_or_an_altered_byte_is_refused_with_the_label()
    {
        using var key = SealingKey.Create();
        using var other = SealingKey.Create();
        var sealedValue = key.SealString("join secret", "cluster/c1/worker_join_secret");

        var moved = Assert.Throws<SealedValueException>(() => key.Open(sealedValue, "cluster/c1/manager_join_secret"));
        Assert.Contains("cluster/c1/manager_join_secret", moved.Message, StringComparison.Ordinal);
        var foreign = Assert.Throws<SealedValueException>(() => other.Open(sealedValue, "cluster/c1/worker_join_secret"));
        Assert.Contains(key.Id, foreign.Message, StringComparison.Ordinal);

        var altered = sealedValue.Clone();
        var bytes = altered.Ciphertext.ToByteArray();
        bytes[0] ^= 1;
        altered.Ciphertext = ByteString.CopyFrom(bytes);
        Assert.Throws<SealedValueException>(() => key.Open(altered, "cluster/c1/worker_join_secret"));
    }

    [Fact]
    public void An_unlock_key_round_trips_as_text_and_bad_text_says_what_is_allowed()
    {
        using var key = SealingKey.Create();
        var text = UnlockKey.Format(key);
        Assert.StartsWith(UnlockKey.Prefix, text, StringComparison.Ordinal);
        using var parsed = UnlockKey.Parse(" " + text + "\n");
        Assert.Equal(key.Id, parsed.Id);

        Assert.Contains("must start with CKKEY-1-", Assert.Throws<FormatException>(() => UnlockKey.Parse("SWMKEY-1-abc")).Message, StringComparison.Ordinal);
        // A cut key says what is allowed whatever bits its last group ends in: try many keys.
        for (var i = 0; i < 64; i++)
        {
            using var cut = SealingKey.Create();
            var cutText = UnlockKey.Format(cut);
            foreach (var length in new[] { 1, 2, 3, 4 })
            {
                Assert.Contains("32 bytes", Assert.Throws<FormatException>(() => UnlockKey.Parse(cutText[..^length])).Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_proof_of_the_unlock_key_is_bound_to_the_node()
    {
        using var key = SealingKey.Create();
        using var other = SealingKey.Create();
        var proof = UnlockKey.Proof(key, "node-a");
        Assert.True(UnlockKey.IsProof(key, "node-a", proof));
        Assert.False(UnlockKey.IsProof(key, "node-b", proof));
        Assert.False(UnlockKey.IsProof(other, "node-a", proof));
    }
}
