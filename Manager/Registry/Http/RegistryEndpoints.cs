using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterKit.Manager.Registry.Http;

/// <summary>
/// Maps the OCI Distribution API under <c>/v2/</c>. Repository names have slashes, so one catch-all route takes the
/// whole tail and <see cref="RegistryRoute"/> parses it. Needs <see cref="RegistryServiceCollectionExtensions.AddClusterKitRegistry"/>
/// and an <see cref="IRegistryAccess"/> in the services.
/// </summary>
public static class RegistryEndpoints
{
    public static IEndpointConventionBuilder Map(IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        if (routes.ServiceProvider.GetService<IRegistryAccess>() is null || routes.ServiceProvider.GetService<RegistryRequestHandler>() is null)
        {
            throw new InvalidOperationException("the registry's services are missing: call AddClusterKitRegistry(dataRoot) and register an IRegistryAccess (who may read, push and delete)");
        }

        return routes.Map("/v2/{**rest}", HandleAsync);
    }

    private static Task HandleAsync(HttpContext context) =>
        context.RequestServices.GetRequiredService<RegistryRequestHandler>().HandleAsync(context, context.Request.RouteValues["rest"] as string);
}
