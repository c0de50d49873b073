using System.Text.Json;
using ClusterKit.Cli.Registry;
using ClusterKit.Proto.Manager.V1;
using ClusterKit.Shared.Parsing;

namespace ClusterKit.Cli.Tests.Registry;

public sealed class RegistryOutputTests
{
    private static readonly RegistryRepositorySummary[] Repositories =
    [
        new() { Name = "library/busybox", Tags = 1, Manifests = 1, SizeBytes = 2_200_000 },
        new() { Name = "team/app", Tags = 12, Manifests = 3, SizeBytes = 512 },
    ];

    [Fact]
    public void Ls_prints_a_table_of_repository_tags_manifests_and_size_with_whole_lines()
    {
        var table = RegistryListOutput.Table(Repositories);

        var lines = table.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^\s*REPOSITORY\s+TAGS\s+MANIFESTS\s+SIZE$", lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*library/busybox\s+1\s+1\s+2\.1MiB$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*team/app\s+12\s+3\s+512B$"));
        Assert.DoesNotContain('\u001b', table);
    }

    [Fact]
    public void A_name_from_the_store_cannot_forge_rows_or_markup()
    {
        var table = RegistryListOutput.Table([new RegistryRepositorySummary { Name = "evil\n[red]x[/]\u001b[2J", Tags = 0 }]);

        Assert.Contains("evil\\n[red]x[/]\\x1b[2J", table, StringComparison.Ordinal);
        Assert.Equal(2, table.TrimEnd('\n').Split('\n').Count(l => l.Trim().Length > 0 && !l.Trim().All(c => c is '-' or '─' or ' ')));
    }

    [Fact]
    public void Ls_as_json_is_an_array_of_the_summaries()
    {
        var json = JsonDocument.Parse(RegistryListOutput.JsonArray(Repositories)).RootElement;

        Assert.Equal(2, json.GetArrayLength());
        Assert.Equal("team/app", json[1].GetProperty("name").GetString());
        Assert.Equal(12, json[1].GetProperty("tags").GetInt32());
        Assert.Equal("2200000", json[0].GetProperty("sizeBytes").GetString());
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("table", false)]
    [InlineData("json", true)]
    public void Format_is_table_or_json(string? format, bool json) => Assert.Equal(json, RegistryListOutput.IsJson(format));

    [Fact]
    public void Another_format_is_refused_naming_the_allowed_ones()
    {
        var error = Assert.Throws<SpecFormatException>(() => RegistryListOutput.IsJson("yaml"));

        Assert.Equal("--format 'yaml' is unknown; allowed: table, json", error.Message);
    }

    [Fact]
    public void Rm_says_what_went_and_what_stays()
    {
        var untag = new RemoveRegistryImageResponse { Repository = "team/app", Digest = "sha256:abc", Note = "the manifest stays, reachable as team/app@sha256:abc; blobs are left for garbage collection (ck registry gc)" };
        untag.RemovedTags.Add("1");
        var delete = new RemoveRegistryImageResponse { Repository = "team/app", Digest = "sha256:abc", ManifestRemoved = true, Note = "blobs are left for garbage collection (ck registry gc)" };
        delete.RemovedTags.Add("2");
        delete.RemovedTags.Add("latest");

        Assert.Equal("Untagged: team/app:1 (sha256:abc); the manifest stays, reachable as team/app@sha256:abc; blobs are left for garbage collection (ck registry gc)", RegistryRemoveText.Format(untag));
        Assert.Equal("Deleted: team/app@sha256:abc (untagged team/app:2, team/app:latest); blobs are left for garbage collection (ck registry gc)", RegistryRemoveText.Format(delete));
    }
}
