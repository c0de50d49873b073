using ClusterKit.TestKit;

namespace ClusterKit.Worker.Images.Tests.Distribution;

/// <summary>One <see cref="ReferenceRegistry"/> on this host's loopback for a test class.</summary>
public sealed class ReferenceRegistryFixture : IAsyncLifetime
{
    private ReferenceRegistry? _registry;

    private ReferenceRegistry Registry => _registry ?? throw new InvalidOperationException("the registry has not started");

    /// <summary>127.0.0.1:port, the domain of references to this registry.</summary>
    public string Address => Registry.Address;

    public async Task InitializeAsync() => _registry = await ReferenceRegistry.StartAsync();

    public async Task DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }
    }
}
