using System.Net;
using ClusterKit.Manager.Registry.Names;

namespace ClusterKit.Manager.Tests.Registry.Http;

/// <summary>
/// Random splits of random blobs into PATCH chunks (with or without Content-Range, the last bytes sometimes in
/// the PUT), from a fixed seed so that a failure replays: every upload must end as exactly its bytes.
/// </summary>
public sealed class UploadSplitTests : RegistryEndpointTestBase
{
    [Fact]
    public async Task Any_split_of_a_blob_into_chunks_uploads_the_same_bytes()
    {
        var random = new Random(20261207);
        for (var run = 0; run < 40; run++)
        {
            var content = new byte[random.Next(0, 200_000)];
            random.NextBytes(content);
            var digest = Digest.Of(content);
            var cuts = Enumerable.Range(0, random.Next(0, 6)).Select(_ => random.Next(0, content.Length + 1)).Append(0).Append(content.Length).Distinct().Order().ToList();
            var lastInPut = random.Next(2) == 0 && cuts.Count > 2;
            var withRanges = random.Next(2) == 0;
            var repository = $"split/r{run}";
            var location = await StartUploadAsync(repository);

            var patches = lastInPut ? cuts.Count - 2 : cuts.Count - 1;
            for (var i = 0; i < patches; i++)
            {
                var chunk = content[cuts[i]..cuts[i + 1]];
                var body = RegistryResponsesForTests.Bytes(chunk, "application/octet-stream");
                if (withRanges && chunk.Length > 0)
                {
                    body.Headers.TryAddWithoutValidation("Content-Range", $"{cuts[i]}-{cuts[i + 1] - 1}");
                }

                using var patch = await Client.PatchAsync(location, body);
                Assert.True(patch.StatusCode == HttpStatusCode.Accepted, $"run {run}: PATCH {i} answered {patch.StatusCode}");
            }

            var last = lastInPut ? content[cuts[^2]..] : [];
            using var put = await Client.PutAsync($"{location}?digest={digest}", RegistryResponsesForTests.Bytes(last));
            using var get = await Client.GetAsync($"/v2/{repository}/blobs/{digest}");

            Assert.True(put.StatusCode == HttpStatusCode.Created, $"run {run}: PUT answered {put.StatusCode}: {await put.Content.ReadAsStringAsync()}");
            Assert.Equal(content, await get.Content.ReadAsByteArrayAsync());
        }

        Assert.Empty(RegistryDisk.Entries(Data.Combine("uploads")));
    }
}
