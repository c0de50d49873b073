using ClusterKit.Manager.Host.Control;
using ClusterKit.Manager.Registry.Errors;
using Grpc.Core;

namespace ClusterKit.Manager.Tests.Host.Control;

public sealed class RegistryControlServiceTests
{
    [Theory]
    [InlineData(RegistryErrorCode.NameInvalid, StatusCode.InvalidArgument)]
    [InlineData(RegistryErrorCode.DigestInvalid, StatusCode.InvalidArgument)]
    [InlineData(RegistryErrorCode.PaginationNumberInvalid, StatusCode.InvalidArgument)]
    [InlineData(RegistryErrorCode.NameUnknown, StatusCode.NotFound)]
    [InlineData(RegistryErrorCode.ManifestUnknown, StatusCode.NotFound)]
    [InlineData(RegistryErrorCode.Denied, StatusCode.FailedPrecondition)]
    public void A_registry_refusal_becomes_a_status_the_cli_prints_as_one_line(RegistryErrorCode code, StatusCode status)
    {
        var mapped = RegistryControlService.StatusFor(new RegistryException(code, "'a\u001b[2Jb': no such thing"));

        Assert.Equal(status, mapped.StatusCode);
        Assert.Equal("'a\\x1b[2Jb': no such thing", mapped.Detail);
    }
}
