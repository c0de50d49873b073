using ClusterKit.Worker.Images.Distribution;
using ClusterKit.Worker.Images.Store;

namespace ClusterKit.Worker.Images.Tests.Distribution;

/// <summary>
/// A cluster registry of two in-process fake managers, a and b (tried in that order), sharing what is committed
/// (blobs, manifests) and keeping their own uploads; a clock whose back-off waits pass at once; the progress a
/// transfer reported. <see cref="Kill"/> makes a answer every later request as a dead manager would.
/// </summary>
internal sealed class FakeManagers : IDisposable
{
    public const string ManagerA = "a.test:5000";
    public const string ManagerB = "b.test:5000";
    public const string Unavailable = "no leader just now; retry";

    private readonly ManagersHandler _handler;
    private volatile bool _aDead;

    public FakeManagers()
    {
        B = new FakeRegistry(A);
        _handler = new ManagersHandler(new() { [ManagerA] = A, [ManagerB] = B });
    }

    public FakeRegistry A { get; } = new();

    public FakeRegistry B { get; }

    public SkippingTimeProvider Time { get; } = new();

    public List<BlobProgress> Events { get; } = [];

    public IProgress<BlobProgress> Progress => new Recorder(Events);

    public bool ADead => _aDead;

    /// <summary>Manager a dies: this request and every later one fails as a reset connection does.</summary>
    public HttpResponseMessage Kill()
    {
        _aDead = true;
        throw new HttpRequestException("An error occurred while sending the request (connection reset: manager a killed)");
    }

    public ImageDistribution Distribution(ImageStore store) => new(store,
        new RegistryConnector(_handler, cluster: new FixedCluster(new ClusterRegistryTarget([ManagerA, ManagerB], _handler))),
        new UploadOptions { ChunkSize = 16 << 10 }, timeProvider: Time);

    public void Dispose()
    {
        _handler.Dispose();
        A.Dispose();
        B.Dispose();
    }

    private sealed class FixedCluster(ClusterRegistryTarget target) : IClusterRegistry
    {
        public ClusterRegistryTarget? Current => target;
    }

    /// <summary>Routes each request to the fake manager its host:port names.</summary>
    private sealed class ManagersHandler(Dictionary<string, FakeRegistry> managers) : HttpMessageHandler
    {
        private readonly Dictionary<string, HttpMessageInvoker> _invokers =
            managers.ToDictionary(m => m.Key, m => new HttpMessageInvoker(m.Value, disposeHandler: false));

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            _invokers[request.RequestUri!.Authority].SendAsync(request, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            foreach (var invoker in _invokers.Values)
            {
                invoker.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class Recorder(List<BlobProgress> events) : IProgress<BlobProgress>
    {
        public void Report(BlobProgress value)
        {
            lock (events)
            {
                events.Add(value);
            }
        }
    }
}
