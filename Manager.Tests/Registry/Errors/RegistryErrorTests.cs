using System.Text.Json;
using ClusterKit.Manager.Registry.Errors;

namespace ClusterKit.Manager.Tests.Registry.Errors;

public sealed class RegistryErrorTests
{
    [Theory]
    [InlineData(RegistryErrorCode.BlobUnknown, "BLOB_UNKNOWN", 404)]
    [InlineData(RegistryErrorCode.BlobUploadInvalid, "BLOB_UPLOAD_INVALID", 400)]
    [InlineData(RegistryErrorCode.BlobUploadUnknown, "BLOB_UPLOAD_UNKNOWN", 404)]
    [InlineData(RegistryErrorCode.DigestInvalid, "DIGEST_INVALID", 400)]
    [InlineData(RegistryErrorCode.ManifestBlobUnknown, "MANIFEST_BLOB_UNKNOWN", 400)]
    [InlineData(RegistryErrorCode.ManifestInvalid, "MANIFEST_INVALID", 400)]
    [InlineData(RegistryErrorCode.ManifestUnknown, "MANIFEST_UNKNOWN", 404)]
    [InlineData(RegistryErrorCode.NameInvalid, "NAME_INVALID", 400)]
    [InlineData(RegistryErrorCode.NameUnknown, "NAME_UNKNOWN", 404)]
    [InlineData(RegistryErrorCode.SizeInvalid, "SIZE_INVALID", 400)]
    [InlineData(RegistryErrorCode.Unauthorized, "UNAUTHORIZED", 401)]
    [InlineData(RegistryErrorCode.Denied, "DENIED", 403)]
    [InlineData(RegistryErrorCode.Unsupported, "UNSUPPORTED", 405)]
    [InlineData(RegistryErrorCode.TooManyRequests, "TOOMANYREQUESTS", 429)]
    [InlineData(RegistryErrorCode.RangeInvalid, "RANGE_INVALID", 416)]
    [InlineData(RegistryErrorCode.PaginationNumberInvalid, "PAGINATION_NUMBER_INVALID", 400)]
    [InlineData(RegistryErrorCode.Unavailable, "UNAVAILABLE", 503)]
    public void Each_code_has_the_spec_s_name_and_status(RegistryErrorCode code, string name, int status)
    {
        Assert.Equal(name, code.WireName());
        Assert.Equal(status, code.HttpStatus());
    }

    [Fact]
    public void Every_code_has_a_name()
    {
        foreach (var code in Enum.GetValues<RegistryErrorCode>())
        {
            Assert.NotEmpty(code.WireName());
        }
    }

    [Fact]
    public void The_body_is_an_errors_array_with_code_message_and_detail()
    {
        var body = RegistryErrorBody.Write(new RegistryException(RegistryErrorCode.BlobUnknown, "blob unknown to registry", new Dictionary<string, string> { ["digest"] = "sha256:x" }));

        using var json = JsonDocument.Parse(body);
        var error = Assert.Single(json.RootElement.GetProperty("errors").EnumerateArray().ToList());
        Assert.Equal("BLOB_UNKNOWN", error.GetProperty("code").GetString());
        Assert.Equal("blob unknown to registry", error.GetProperty("message").GetString());
        Assert.Equal("sha256:x", error.GetProperty("detail").GetProperty("digest").GetString());
    }

    [Fact]
    public void Without_detail_the_detail_is_null()
    {
        using var json = JsonDocument.Parse(RegistryErrorBody.Write(RegistryErrorCode.Denied, "no"));

        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("errors")[0].GetProperty("detail").ValueKind);
    }
}
