using System.Text;
using ClusterKit.Manager.Registry.Auth;

namespace ClusterKit.Manager.Tests.Registry.Auth;

public sealed class BasicCredentialsTests
{
    private static string Basic(string text) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void User_and_secret_are_split_at_the_first_colon()
    {
        Assert.True(BasicCredentials.TryParse(Basic("ci:se:cret"), out var credentials, out _));
        Assert.Equal("ci", credentials.User);
        Assert.Equal("se:cret", credentials.Secret);
        Assert.DoesNotContain("se:cret", credentials.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "needs Basic credentials")]
    [InlineData("Bearer abc", "needs Basic credentials")]
    [InlineData("Basic !!!", "not base64")]
    public void Missing_or_malformed_headers_are_refused(string? header, string expected)
    {
        Assert.False(BasicCredentials.TryParse(header, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nocolon")]
    [InlineData(":secret")]
    [InlineData("user:")]
    public void Both_parts_must_be_present(string text)
    {
        Assert.False(BasicCredentials.TryParse(Basic(text), out _, out var error));
        Assert.Contains("both parts", error, StringComparison.Ordinal);
    }
}
