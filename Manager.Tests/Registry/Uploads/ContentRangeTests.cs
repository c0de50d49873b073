using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Uploads;
using FsCheck.Xunit;

namespace ClusterKit.Manager.Tests.Registry.Uploads;

public sealed class ContentRangeTests
{
    [Theory]
    [InlineData("0-99", 0, 99)]
    [InlineData("100-100", 100, 100)]
    [InlineData(" bytes 5-9 ", 5, 9)]
    [InlineData("bytes=5-9", 5, 9)]
    public void Ranges_parse_as_inclusive_start_and_end(string text, long start, long end)
    {
        var range = ContentRange.Parse(text);

        Assert.Equal(new ContentRange(start, end), range);
        Assert.Equal(end - start + 1, range.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("-5")]
    [InlineData("5-")]
    [InlineData("a-b")]
    [InlineData("+1-2")]
    [InlineData("1-2/3")]
    [InlineData("99999999999999999999-1")]
    [InlineData("9-5")]
    public void Malformed_ranges_are_RANGE_INVALID(string text)
    {
        var error = Assert.Throws<RegistryException>(() => ContentRange.Parse(text));

        Assert.Equal(RegistryErrorCode.RangeInvalid, error.Code);
        Assert.Equal(416, error.HttpStatus);
        Assert.Contains($"Content-Range '{text}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chunk_must_start_where_the_upload_ends()
    {
        new ContentRange(10, 19).CheckContinues(10, 10);
        new ContentRange(10, 19).CheckContinues(10, null);

        var gap = Assert.Throws<RegistryException>(() => new ContentRange(11, 19).CheckContinues(10, null));
        var overlap = Assert.Throws<RegistryException>(() => new ContentRange(0, 19).CheckContinues(10, null));

        Assert.Equal("the chunk starts at byte 11 but the upload holds 10 bytes; send the chunk starting at 10", gap.Message);
        Assert.Equal(RegistryErrorCode.RangeInvalid, overlap.Code);
    }

    [Fact]
    public void A_chunk_s_body_must_be_as_long_as_its_range()
    {
        var error = Assert.Throws<RegistryException>(() => new ContentRange(0, 9).CheckContinues(0, 9));

        Assert.Equal("Content-Range 0-9 is 10 bytes but Content-Length is 9", error.Message);
    }

    [Theory]
    [InlineData(0, "0-0")]
    [InlineData(1, "0-0")]
    [InlineData(10, "0-9")]
    public void The_uploaded_range_header_is_zero_to_the_last_byte(long offset, string header) =>
        Assert.Equal(header, ContentRange.UploadedRange(offset));

    [Property(MaxTest = 300)]
    public void Any_formatted_range_parses_back(ushort start, ushort length)
    {
        var range = new ContentRange(start, start + (long)length);

        Assert.Equal(range, ContentRange.Parse($"{range.Start}-{range.End}"));
    }
}
