using ClusterKit.Shared.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace ClusterKit.Manager.Tests.Host;

/// <summary>The daemons' host builders watch no directory for configuration changes (ck-manager and ck-worker build theirs so).</summary>
public sealed class HostArgumentsTests
{
    [Fact]
    public void A_host_built_with_them_reloads_no_configuration_file_and_roots_content_at_the_program()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = HostArguments.Fixed, ContentRootPath = HostArguments.ContentRoot });

        var files = ((IConfigurationBuilder)builder.Configuration).Sources.OfType<FileConfigurationSource>().ToList();

        Assert.NotEmpty(files);
        Assert.All(files, source => Assert.False(source.ReloadOnChange, $"{source.Path} would be watched"));
        Assert.Equal(AppContext.BaseDirectory.TrimEnd('/'), builder.Environment.ContentRootPath.TrimEnd('/'));
    }

    [Fact]
    public void Without_them_the_default_watches_its_configuration_files()
    {
        var builder = WebApplication.CreateSlimBuilder();

        var files = ((IConfigurationBuilder)builder.Configuration).Sources.OfType<FileConfigurationSource>().ToList();

        Assert.Contains(files, source => source.ReloadOnChange);
    }
}
