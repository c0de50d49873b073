using Google.Protobuf;

namespace ClusterKit.Cli;

/// <summary>Indented JSON of protobuf messages for inspect commands.</summary>
internal static class Json
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithIndentation().WithFormatDefaultValues(false));

    public static string Format(IMessage message) => Formatter.Format(message);
}
