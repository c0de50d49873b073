using System.Globalization;
using ClusterKit.Manager.Registry.Errors;

namespace ClusterKit.Manager.Registry.Http;

/// <summary>One page of an ordinally sorted list, and whether more follow.</summary>
public sealed record Page(IReadOnlyList<string> Items, bool HasMore);

/// <summary>
/// The <c>n</c> and <c>last</c> of the tags list and the catalog: up to <c>n</c> entries (at most
/// <see cref="MaxPageSize"/>, also without <c>n</c>) that sort after <c>last</c>.
/// </summary>
public static class Pagination
{
    public const int MaxPageSize = 1000;

    /// <summary>The <c>n</c> query value; null when absent. Anything but a non-negative number is PAGINATION_NUMBER_INVALID.</summary>
    public static int? ParseCount(string? text)
    {
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new RegistryException(RegistryErrorCode.PaginationNumberInvalid, $"n='{text}' is not a non-negative number");
    }

    /// <param name="sorted">Entries in ordinal order.</param>
    public static Page Take(IReadOnlyList<string> sorted, string? last, int? count)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var size = Math.Min(count ?? MaxPageSize, MaxPageSize);
        var after = sorted.Where(item => last is null || string.CompareOrdinal(item, last) > 0).ToList();
        var items = after.Take(size).ToList();
        return new Page(items, HasMore: items.Count > 0 && after.Count > items.Count);
    }
}
