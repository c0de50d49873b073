using ClusterKit.Worker.Images.Distribution;

namespace ClusterKit.Worker.Images.Tests.Distribution;

public sealed class UploadRangeTests
{
    [Theory]
    [InlineData("0-1023", 1024L)]
    [InlineData("bytes=0-99", 100L)]
    [InlineData("0-0", 0L)]
    [InlineData(" 0-4 ", 5L)]
    public void The_registry_s_range_gives_the_bytes_it_holds(string range, long offset) =>
        Assert.Equal(offset, UploadRange.ParseOffset(range));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("5-10")]
    [InlineData("0-")]
    [InlineData("0--1")]
    [InlineData("abc")]
    [InlineData("10-5")]
    public void A_missing_or_malformed_range_gives_no_offset(string? range) =>
        Assert.Null(UploadRange.ParseOffset(range));

    [Fact]
    public void A_chunk_s_content_range_is_inclusive_of_its_last_byte()
    {
        Assert.Equal("0-1023", UploadRange.ContentRange(0, 1024));
        Assert.Equal("1024-1024", UploadRange.ContentRange(1024, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => UploadRange.ContentRange(5, 0));
    }
}
