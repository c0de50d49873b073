namespace ClusterKit.Worker.Images.Store;

/// <summary>
/// Counts the pushes and pulls that use each blob, so that garbage collection and a failed pull's
/// clean-up leave alone a blob another operation of this process still needs.
/// </summary>
internal sealed class BlobPins
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public bool IsPinned(string digest)
    {
        lock (_counts)
        {
            return _counts.ContainsKey(digest);
        }
    }

    /// <summary>Pins every digest once; disposing the result releases them.</summary>
    public IDisposable Pin(IEnumerable<string> digests)
    {
        var list = digests.Distinct(StringComparer.Ordinal).ToList();
        lock (_counts)
        {
            foreach (var digest in list)
            {
                _counts[digest] = _counts.GetValueOrDefault(digest) + 1;
            }
        }

        return new Release(this, list);
    }

    private void Unpin(List<string> digests)
    {
        lock (_counts)
        {
            foreach (var digest in digests)
            {
                if (--_counts[digest] == 0)
                {
                    _counts.Remove(digest);
                }
            }
        }
    }

    private sealed class Release(BlobPins pins, List<string> digests) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                pins.Unpin(digests);
            }
        }
    }
}
