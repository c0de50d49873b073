using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ClusterKit.Worker.Runtime;

/// <summary>
/// Milliseconds per named step of one operation (a container start, a remove), for a Debug log
/// line that shows where the time goes. Not thread-safe: one operation, one instance.
/// </summary>
public sealed class StepTimings
{
    private readonly StringBuilder _text = new();
    private readonly Action<string>? _reached;
    private long _last = Stopwatch.GetTimestamp();
    private readonly long _start;

    /// <param name="reached">Told the name of each step as it ends (the worker's test-only crash points hang here).</param>
    public StepTimings(Action<string>? reached = null)
    {
        _reached = reached;
        _start = _last;
    }

    /// <summary>Ends the current step under <paramref name="name"/> and starts the next.</summary>
    public void Lap(string name)
    {
        var now = Stopwatch.GetTimestamp();
        Append(name, Stopwatch.GetElapsedTime(_last, now));
        _last = now;
        _reached?.Invoke(name);
    }

    /// <summary>Records a step measured elsewhere (e.g. on another thread) without ending the current one.</summary>
    public void Add(string name, TimeSpan elapsed) => Append(name, elapsed);

    public override string ToString() =>
        _text.ToString() + "; total " + Stopwatch.GetElapsedTime(_start).TotalMilliseconds.ToString("0.00", CultureInfo.InvariantCulture) + " ms";

    private void Append(string name, TimeSpan elapsed)
    {
        if (_text.Length > 0)
        {
            _text.Append(", ");
        }

        _text.Append(name).Append(' ').Append(elapsed.TotalMilliseconds.ToString("0.00", CultureInfo.InvariantCulture));
    }
}
