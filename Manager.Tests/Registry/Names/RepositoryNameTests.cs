using ClusterKit.Manager.Registry.Errors;
using ClusterKit.Manager.Registry.Names;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ClusterKit.Manager.Tests.Registry.Names;

public sealed class RepositoryNameTests
{
    [Theory]
    [InlineData("busybox")]
    [InlineData("library/busybox")]
    [InlineData("team/app/web")]
    [InlineData("a.b_c__d-e--f")]
    [InlineData("0/1/2")]
    public void Names_of_the_grammar_are_accepted(string text) => Assert.Equal(text, RepositoryName.Parse(text).Value);

    [Theory]
    [InlineData("", "the name is empty")]
    [InlineData("../etc", "path component '..' is not allowed")]
    [InlineData("a/../b", "path component '..' is not allowed")]
    [InlineData("a/./b", "path component '.' is not allowed")]
    [InlineData("/abs", "path components cannot be empty")]
    [InlineData("a//b", "path components cannot be empty")]
    [InlineData("a/", "path components cannot be empty")]
    [InlineData("Busybox", "repository names must be lowercase")]
    [InlineData("a/b c", "path component 'b c' is invalid")]
    [InlineData("-a", "path component '-a' is invalid")]
    [InlineData("a.", "path component 'a.' is invalid")]
    [InlineData("a___b", "path component 'a___b' is invalid")]
    [InlineData("a\\b", "path component 'a\\b' is invalid")]
    [InlineData("a%2fb", "path component 'a%2fb' is invalid")]
    [InlineData("a\n", "path component 'a\n' is invalid")]
    public void Bad_names_are_refused_as_NAME_INVALID_saying_why(string text, string why)
    {
        var error = Assert.Throws<RegistryException>(() => RepositoryName.Parse(text));

        Assert.Equal(RegistryErrorCode.NameInvalid, error.Code);
        Assert.StartsWith($"invalid repository name '{text}': ", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_over_255_characters_is_refused_with_its_length()
    {
        var ok = string.Join('/', Enumerable.Repeat(new string('a', 63), 4)); // 255
        var tooLong = ok + "a";

        Assert.Equal(255, RepositoryName.Parse(ok).Value.Length);
        var error = Assert.Throws<RegistryException>(() => RepositoryName.Parse(tooLong));
        Assert.Contains("the name is 256 characters; the limit is 255", error.Message, StringComparison.Ordinal);
    }

    [Property(MaxTest = 500)]
    public void Any_accepted_name_is_a_safe_relative_path(string? text)
    {
        if (!RepositoryName.TryParse(text, out var name, out _))
        {
            return;
        }

        Assert.DoesNotContain("..", name.Value.Split('/'));
        Assert.False(Path.IsPathRooted(name.Value));
        Assert.Equal(name.Value, name.Value.ToLowerInvariant());
        Assert.True(name.Value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-' or '/'));
    }

    [Property(MaxTest = 300)]
    public Property Names_built_from_the_grammar_parse_back_unchanged()
    {
        var alnum = Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789".ToCharArray()).NonEmptyListOf().Select(c => new string([.. c]));
        var separator = Gen.Elements(".", "_", "__", "-", "--");
        var component = alnum.SelectMany(head => Gen.Zip(separator, alnum).ListOf().Select(rest => head + string.Concat(rest.Select(p => p.Item1 + p.Item2))));
        var name = component.NonEmptyListOf().Select(c => string.Join('/', c)).Where(n => n.Length <= RepositoryName.MaxLength);
        return Prop.ForAll(name.ToArbitrary(), text => RepositoryName.Parse(text).Value == text);
    }
}
