using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Parsing;
using ClusterKit.Shared.Remote;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ClusterKit.Cli.Registry;

/// <summary>What `ck registry ls` prints: a table of repositories, or JSON (pure: rendered to a string).</summary>
internal static class RegistryListOutput
{
    /// <summary>REPOSITORY, TAGS, MANIFESTS, SIZE; names come from the store, so they are escaped, never read as markup.</summary>
    public static string Table(IReadOnlyList<RegistryRepositorySummary> repositories)
    {
        ArgumentNullException.ThrowIfNull(repositories);
        var table = new Spectre.Console.Table { Border = TableBorder.Simple };
        table.AddColumn("REPOSITORY");
        table.AddColumn(new TableColumn("TAGS").RightAligned());
        table.AddColumn(new TableColumn("MANIFESTS").RightAligned());
        table.AddColumn(new TableColumn("SIZE").RightAligned());
        foreach (var repository in repositories)
        {
            table.AddRow(
                Cell(repository.Name),
                Cell(repository.Tags.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Cell(repository.Manifests.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Cell(MemorySize.Format(repository.SizeBytes)));
        }

        return Render(table);
    }

    /// <summary>A JSON array of the repositories (the protobuf JSON form, as `inspect` prints).</summary>
    public static string JsonArray(IReadOnlyList<RegistryRepositorySummary> repositories)
    {
        ArgumentNullException.ThrowIfNull(repositories);
        return "[" + string.Join(",\n", repositories.Select(Json.Format)) + "]\n";
    }

    /// <summary>--format: table (default) or json.</summary>
    public static bool IsJson(string? format) => format switch
    {
        null or "table" => false,
        "json" => true,
        _ => throw new SpecFormatException($"--format '{format}' is unknown; allowed: table, json"),
    };

    private static Text Cell(string text) => new(RemoteText.Escape(text));

    /// <summary>Rendered without colour or terminal width limits, so that a pipe gets whole lines.</summary>
    private static string Render(IRenderable renderable)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 4096;
        console.Write(renderable);
        return string.Join('\n', writer.ToString().Split('\n').Select(l => l.TrimEnd())).Trim('\n') + "\n";
    }
}
