namespace ClusterKit.Shared.Parsing;

/// <summary>The known name a mistyped one most likely meant ("contaner" -> "container").</summary>
public static class ClosestName
{
    /// <summary>The candidate nearest by edit distance, or null when none is close enough to be a typo.</summary>
    public static string? Find(string typed, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = EditDistance(typed, candidate);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        // A short name may be one letter off ("nod"), a longer one two or a third ("imgae", "contaner"); "xyz" means nothing.
        var allowed = typed.Length >= 5 ? Math.Max(2, typed.Length / 3) : 1;
        return best is not null && bestDistance <= allowed ? best : null;
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
