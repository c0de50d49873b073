namespace ClusterKit.Shared.Parsing;

/// <summary>A value given by a user (flag, stack-file key) is malformed; the message names it and says what is allowed.</summary>
public sealed class SpecFormatException : FormatException
{
    public SpecFormatException(string message) : base(message)
    {
    }

    public SpecFormatException()
    {
    }

    public SpecFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
