namespace ClusterKit.Manager.Store;

/// <summary>A transaction's precondition failed: nothing of it was applied.</summary>
public sealed class StoreConflictException : Exception
{
    public StoreConflictException(string message)
        : base(message)
    {
    }

    public StoreConflictException()
    {
    }

    public StoreConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A mutation or snapshot that does not describe a valid store object.</summary>
public sealed class InvalidStoreObjectException : Exception
{
    public InvalidStoreObjectException(string message)
        : base(message)
    {
    }

    public InvalidStoreObjectException()
    {
    }

    public InvalidStoreObjectException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A watcher fell so far behind that events were dropped; it must re-read with ViewAndWatch.</summary>
public sealed class WatchOverflowException : Exception
{
    public WatchOverflowException(string message)
        : base(message)
    {
    }

    public WatchOverflowException()
    {
    }

    public WatchOverflowException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
