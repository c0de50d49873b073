using System.Text;
using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Names;
using FsCheck.Xunit;

namespace ClusterKit.Manager.Tests.Registry.Names;

public sealed class DigestTests
{
    private const string EmptySha256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public void The_digest_of_content_is_its_sha256_in_lowercase_hex() =>
        Assert.Equal(EmptySha256, Digest.Of([]).ToString());

    [Fact]
    public void Sha256_and_sha512_digests_parse()
    {
        var sha512 = "sha512:" + new string('0', 128);

        Assert.Equal("sha256", Digest.Parse(EmptySha256).Algorithm);
        Assert.Equal(sha512, Digest.Parse(sha512).ToString());
    }

    [Fact]
    public void Recompute_uses_the_digest_s_own_algorithm()
    {
        var content = Encoding.ASCII.GetBytes("abc");
        var sha512 = Digest.Parse("sha512:" + new string('0', 128));

        Assert.Equal("sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", sha512.Recompute(content).ToString());
        Assert.Equal(Digest.Of(content), Digest.Parse(EmptySha256).Recompute(content));
    }

    [Theory]
    [InlineData("", "expected algorithm:hex")]
    [InlineData("sha256", "expected algorithm:hex")]
    [InlineData("sha256:", "expected algorithm:hex")]
    [InlineData(":abc", "expected algorithm:hex")]
    [InlineData("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "a sha256 digest is 64 lowercase hex digits")]
    [InlineData("sha256:e3b0", "a sha256 digest is 64 lowercase hex digits")]
    [InlineData("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "a sha512 digest is 128 lowercase hex digits")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e", "algorithm 'md5' is not supported")]
    [InlineData("sha256:../../etc/passwd", "expected algorithm:hex")]
    [InlineData("SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "expected algorithm:hex")]
    public void Bad_digests_are_DIGEST_INVALID_saying_why(string text, string why)
    {
        var error = Assert.Throws<RegistryException>(() => Digest.Parse(text));

        Assert.Equal(RegistryErrorCode.DigestInvalid, error.Code);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Property(MaxTest = 300)]
    public void The_digest_of_any_bytes_parses_back_to_itself(byte[] content)
    {
        var digest = Digest.Of(content);

        Assert.Equal(digest, Digest.Parse(digest.ToString()));
        Assert.Equal(64, digest.Encoded.Length);
    }

    [Property(MaxTest = 500)]
    public void An_accepted_digest_is_safe_as_a_file_name(string? text)
    {
        if (Digest.TryParse(text, out var digest, out _))
        {
            Assert.True(digest.Encoded.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')));
            Assert.True(digest.Algorithm is Digest.Sha256 or Digest.Sha512);
        }
    }
}
