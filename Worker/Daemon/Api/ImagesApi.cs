using ClusterKit.Proto.Worker.V1;
using ClusterKit.Worker.Containers;
using ClusterKit.Worker.Images;
using Grpc.Core;

namespace ClusterKit.Worker.Api;

/// <summary>The Images service of the local API, onto the worker's image store.</summary>
internal sealed class ImagesApi(IImageStore images, ContainerManager containers) : Proto.Worker.V1.Images.ImagesBase
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
}
