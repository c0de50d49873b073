using System.Text;
using ClusterKit.Shared.Remote;

namespace ClusterKit.Cli;

/// <summary>Left-aligned columns padded to their widest cell, never wrapped (as docker ps prints).</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [headers];

    public TextTable Add(params string[] cells)
    {
        // Cells carry text from other nodes and containers: a newline or an ANSI escape in one must not forge rows.
        _rows.Add([.. cells.Select(RemoteText.Escape)]);
        return this;
    }

    public override string ToString()
    {
        var widths = new int[headers.Length];
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var text = new StringBuilder();
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                text.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 3));
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
