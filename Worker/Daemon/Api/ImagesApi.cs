using ClusterKit.Proto.Worker.V1;
using ClusterKit.Worker.Containers;
using System.Threading.Channels;
using ClusterKit.Worker.Images;
using ClusterKit.Worker.Images.Distribution;
using Grpc.Core;

namespace ClusterKit.Worker.Api;

/// <summary>The Images service of the local API, onto the worker's image store.</summary>
internal sealed class ImagesApi(IImageStore images, ContainerManager containers, ImageDistribution distribution) : Proto.Worker.V1.Images.ImagesBase
{
    public override async Task<ImageInfo> Import(ImportImageRequest request, ServerCallContext context) =>
        ImageMapping.ToProto(await images.ImportAsync(
            new ImportRequest(request.SourcePath, request.Reference.Length > 0 ? request.Reference : null, [.. request.Changes], request.Message.Length > 0 ? request.Message : null),
            context.CancellationToken));

    public override async Task<ListImagesResponse> List(ListImagesRequest request, ServerCallContext context)
    {
        var response = new ListImagesResponse();
        response.Images.AddRange((await images.ListAsync(context.CancellationToken)).Select(ImageMapping.ToProto));
        return response;
    }

    public override async Task<ImageInfo> Inspect(ImageRef request, ServerCallContext context) =>
        ImageMapping.ToProto(await images.InspectAsync(request.Reference, context.CancellationToken));

    public override async Task<RemoveImageResponse> Remove(RemoveImageRequest request, ServerCallContext context)
    {
        var removal = await images.RemoveAsync(request.Reference, request.Force, containers.ContainerUsingImage, context.CancellationToken);
        var response = new RemoveImageResponse();
        response.Untagged.AddRange(removal.Untagged);
        response.Deleted.AddRange(removal.Deleted);
        return response;
    }

    public override async Task<ImageInfo> Tag(TagImageRequest request, ServerCallContext context) =>
        ImageMapping.ToProto(await images.TagAsync(request.Source, request.Target, context.CancellationToken));

    public override async Task<SaveImagesResponse> Save(SaveImagesRequest request, ServerCallContext context) =>
        new() { Bytes = await images.SaveAsync([.. request.References], request.OutputPath, ArchiveFormats.Parse(request.Format), context.CancellationToken) };

    public override async Task<LoadImagesResponse> Load(LoadImagesRequest request, ServerCallContext context)
    {
        var response = new LoadImagesResponse();
        response.Loaded.AddRange(await images.LoadAsync(request.InputPath, context.CancellationToken));
        return response;
    }

    public override Task Push(PushImageRequest request, IServerStreamWriter<ImageTransferEvent> responseStream, ServerCallContext context) =>
        StreamAsync(responseStream, async progress =>
        {
            var pushed = await distribution.PushAsync(request.Reference, request.Target, progress, request.RegistryToken, context.CancellationToken);
            return new ImageTransferSummary
            {
                Reference = pushed.Reference,
                Digest = pushed.ManifestDigest,
                Transferred = pushed.Uploaded,
                Skipped = pushed.Existing + pushed.Mounted,
                Bytes = pushed.BytesUploaded,
            };
        }, context.CancellationToken);

    public override Task Pull(PullImageRequest request, IServerStreamWriter<ImageTransferEvent> responseStream, ServerCallContext context) =>
        StreamAsync(responseStream, async progress =>
        {
            var pulled = await distribution.PullAsync(request.Reference, progress, context.CancellationToken);
            return new ImageTransferSummary
            {
                Reference = request.Reference,
                Digest = pulled.Digest,
                ImageId = pulled.Image.Id,
                Transferred = pulled.Downloaded,
                Skipped = pulled.Present,
                Bytes = pulled.BytesDownloaded,
            };
        }, context.CancellationToken);

    /// <summary>
    /// Runs a transfer whose progress comes from several blob tasks at once; one writer drains the
    /// events into the response (a gRPC stream takes one write at a time), then sends the summary.
    /// </summary>
    private static async Task StreamAsync(IServerStreamWriter<ImageTransferEvent> responseStream, Func<IProgress<BlobProgress>, Task<ImageTransferSummary>> transfer, CancellationToken cancellationToken)
    {
        var events = Channel.CreateUnbounded<BlobProgress>(new UnboundedChannelOptions { SingleReader = true });
        var writer = Task.Run(async () =>
        {
            await foreach (var e in events.Reader.ReadAllAsync(cancellationToken))
            {
                await responseStream.WriteAsync(new ImageTransferEvent { Blob = ToProto(e) }, cancellationToken);
            }
        }, cancellationToken);
        ImageTransferSummary summary;
        try
        {
            summary = await transfer(new ChannelProgress(events.Writer));
        }
        finally
        {
            events.Writer.TryComplete();
            await writer;
        }

        await responseStream.WriteAsync(new ImageTransferEvent { Summary = summary }, cancellationToken);
    }

    private static BlobTransfer ToProto(BlobProgress progress) => new()
    {
        Digest = progress.Digest,
        Role = progress.Role.ToString().ToLowerInvariant(),
        BytesDone = progress.BytesDone,
        BytesTotal = progress.BytesTotal,
        State = progress.State.ToString().ToLowerInvariant(),
    };

    private sealed class ChannelProgress(ChannelWriter<BlobProgress> writer) : IProgress<BlobProgress>
    {
        public void Report(BlobProgress value) => writer.TryWrite(value);
    }
}
