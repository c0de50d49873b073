namespace ClusterKit.Manager.Dispatcher;

/// <summary>The rule for node ids a worker registers with.</summary>
public static class NodeIds
{
    public const int MaxLength = 128;

    /// <summary>Null when valid, else a one-line error naming the value and what is allowed.</summary>
    public static string? Check(string? nodeId)
    {
        if (string.IsNullOrEmpty(nodeId))
        {
            return "node id is empty; allowed: 1 to 128 characters of a-z, A-Z, 0-9, '.', '_' and '-', starting with a letter or digit";
        }

        var valid = nodeId.Length <= MaxLength
            && char.IsAsciiLetterOrDigit(nodeId[0])
            && nodeId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
        return valid
            ? null
            : $"node id '{nodeId}' is invalid; allowed: 1 to 128 characters of a-z, A-Z, 0-9, '.', '_' and '-', starting with a letter or digit";
    }
}
