using System.Net;
using ClusterKit.Manager.Registry.Http;
using ClusterKit.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static ClusterKit.Manager.Tests.Registry.Http.RegistryTestServer;

namespace ClusterKit.Manager.Tests.Registry.Clients;

/// <summary>
/// The registry on Kestrel at 127.0.0.1 on a free port over plain HTTP, everything allowed, with its data in a
/// unique temporary directory removed on dispose, and a log of the requests it saw.
/// </summary>
internal sealed class KestrelRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<string> _requests = [];
    private readonly ErrorLog _errors;

    private KestrelRegistry(WebApplication app, TempDirectory work, ErrorLog errors)
    {
        _app = app;
        Work = work;
        _errors = errors;
    }

    public TempDirectory Work { get; }

    /// <summary>host:port, for docker:// references and raw sockets.</summary>
    public string Host { get; private set; } = string.Empty;

    public int Port => int.Parse(Host[(Host.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every error the server logged (an exception that escaped the registry's handler shows here).</summary>
    public IReadOnlyList<string> Errors => _errors.Entries;

    /// <summary>"METHOD /path" of every request so far.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<KestrelRegistry> StartAsync(string prefix)
    {
        var work = new TempDirectory(prefix);
        try
        {
            Directory.CreateDirectory(work.Combine("data"));
            var builder = WebApplication.CreateSlimBuilder();
            var errors = new ErrorLog();
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(errors);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            builder.Services.AddRouting();
            builder.Services.AddClusterKitRegistry(work.Combine("data"));
            builder.Services.AddSingleton<IRegistryAccess, TestAccess>();
            var registry = new KestrelRegistry(builder.Build(), work, errors);
            await registry.RunAsync();
            return registry;
        }
        catch
        {
            work.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        finally
        {
            Work.Dispose();
        }
    }

    private async Task RunAsync()
    {
        _app.Use(async (context, next) =>
        {
            lock (_requests)
            {
                _requests.Add($"{context.Request.Method} {context.Request.Path}");
            }

            await next(context);
        });
        RegistryEndpoints.Map(_app);
        await _app.StartAsync();
        Host = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Authority;
    }

    /// <summary>Keeps log entries of level Error and above.</summary>
    private sealed class ErrorLog : ILoggerProvider, ILogger
    {
        private readonly List<string> _entries = [];

        public IReadOnlyList<string> Entries
        {
            get
            {
                lock (_entries)
                {
                    return [.. _entries];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lock (_entries)
                {
                    _entries.Add($"{formatter(state, exception)} {exception?.GetType().Name}: {exception?.Message}");
                }
            }
        }

        public void Dispose()
        {
        }
    }
}
