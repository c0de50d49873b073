using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Http;
using FsCheck.Xunit;

namespace ClusterKit.Manager.Tests.Registry.Http;

public sealed class PaginationAndRangeTests
{
    private static readonly string[] Tags = ["a", "b", "c", "d", "e"];

    [Theory]
    [InlineData(null, null, "a,b,c,d,e", false)]
    [InlineData(null, 2, "a,b", true)]
    [InlineData("b", 2, "c,d", true)]
    [InlineData("c", 2, "d,e", false)]
    [InlineData("e", 2, "", false)]
    [InlineData("bb", null, "c,d,e", false)]
    [InlineData(null, 0, "", false)]
    public void Pages_hold_up_to_n_entries_after_last(string? last, int? n, string expected, bool more)
    {
        var page = Pagination.Take(Tags, last, n);

        Assert.Equal(expected, string.Join(',', page.Items));
        Assert.Equal(more, page.HasMore);
    }

    [Fact]
    public void A_page_holds_at_most_the_maximum_even_when_n_asks_for_more()
    {
        var many = Enumerable.Range(0, 2500).Select(i => i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)).ToList();

        var page = Pagination.Take(many, null, 5000);

        Assert.Equal(Pagination.MaxPageSize, page.Items.Count);
        Assert.True(page.HasMore);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("x")]
    [InlineData("")]
    [InlineData("1e3")]
    public void A_bad_n_is_PAGINATION_NUMBER_INVALID(string n) =>
        Assert.Equal(RegistryErrorCode.PaginationNumberInvalid, Assert.Throws<RegistryException>(() => Pagination.ParseCount(n)).Code);

    [Property(MaxTest = 200)]
    public void Following_pages_lists_every_entry_once_in_order(byte count, byte pageSize)
    {
        var all = Enumerable.Range(0, count).Select(i => $"t{i:D3}").ToList();
        var n = pageSize % 7 + 1;
        var seen = new List<string>();
        string? last = null;
        for (var guard = 0; guard <= count; guard++)
        {
            var page = Pagination.Take(all, last, n);
            seen.AddRange(page.Items);
            if (!page.HasMore)
            {
                break;
            }

            last = page.Items[^1];
        }

        Assert.Equal(all, seen);
    }

    [Theory]
    [InlineData("bytes=0-0", 10, 0, 1)]
    [InlineData("bytes=2-5", 10, 2, 4)]
    [InlineData("bytes=5-100", 10, 5, 5)]
    [InlineData("bytes=9-", 10, 9, 1)]
    [InlineData("bytes=-4", 10, 6, 4)]
    [InlineData("bytes=-40", 10, 0, 10)]
    public void Single_ranges_are_clipped_to_the_blob(string header, long size, long start, long length) =>
        Assert.Equal(new ByteRange(start, length), ByteRange.Parse(header, size));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("items=0-1")]
    [InlineData("bytes=0-1,4-5")]
    [InlineData("bytes=5-2")]
    [InlineData("bytes=x-")]
    [InlineData("bytes=-0")]
    [InlineData("bytes=3")]
    public void Headers_that_are_not_one_range_mean_the_whole_blob(string? header) => Assert.Null(ByteRange.Parse(header, 10));

    [Theory]
    [InlineData("bytes=10-", 10)]
    [InlineData("bytes=10-20", 10)]
    [InlineData("bytes=0-", 0)]
    [InlineData("bytes=-5", 0)]
    public void A_range_past_the_end_is_RANGE_INVALID(string header, long size)
    {
        var error = Assert.Throws<RegistryException>(() => ByteRange.Parse(header, size));

        Assert.Equal(RegistryErrorCode.RangeInvalid, error.Code);
        Assert.Equal($"Range '{header}' starts past the end of the {size}-byte blob", error.Message);
    }

    [Fact]
    public void The_content_range_header_names_both_ends_and_the_size() =>
        Assert.Equal("bytes 2-5/10", new ByteRange(2, 4).ContentRange(10));
}
