using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Store.Kv;

/// <summary>A <see cref="KvFailure"/> as it travels between managers (a forwarded write's outcome, a range's answer).</summary>
public static class KvFailureMessages
{
    public static KvWriteFailure ToMessage(this KvFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return new KvWriteFailure { Code = (int)failure.Code, Message = failure.Message, CompactRevision = failure.CompactRevision };
    }

    /// <summary>The failure a message carries; a code this manager does not know is refused by name, not guessed.</summary>
    public static KvFailure ToFailure(this KvWriteFailure message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var code = (KvErrorCode)message.Code;
        if (code == KvErrorCode.None || !Enum.IsDefined(code))
        {
            throw new InvalidOperationException(
                $"a kv failure carries code {message.Code} ({message.Message}), which this manager does not know; allowed: 1 to {(int)Enum.GetValues<KvErrorCode>().Max()}");
        }

        return new KvFailure(code, message.Message, message.CompactRevision);
    }
}
