namespace ClusterKit.Worker.Images.Configs;

/// <summary>What the user gave for a container (<c>ck container create/run</c>); null or empty means "not given".</summary>
public sealed record ContainerOverrides
{
    public IReadOnlyList<string>? Cmd { get; init; }

    /// <summary>Non-null when --entrypoint was given, even as an empty list (which clears the image's).</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<string>? Env { get; init; }

    public string? WorkingDir { get; init; }

    public string? User { get; init; }

    public string? StopSignal { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

/// <summary>The configuration a container actually runs with.</summary>
public sealed record EffectiveContainerConfig(
    IReadOnlyList<string> Command,
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> Cmd,
    IReadOnlyList<string> Env,
    string WorkingDir,
    string User,
    string StopSignal,
    HealthcheckConfig? Healthcheck,
    IReadOnlyList<string> ExposedPorts,
    IReadOnlyDictionary<string, string> Labels);

/// <summary>
/// Docker's rules for combining an image's config with a container's options:
/// a given entrypoint replaces the image's and drops the image's Cmd; a given cmd replaces the
/// image's Cmd; env entries override the image's by key (order kept, new keys appended, PATH
/// defaulted); working dir, user and stop signal fall back to the image's, then to /, root and SIGTERM.
/// </summary>
public static class ContainerConfigMerger
{
    public const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static EffectiveContainerConfig Merge(ContainerConfig? image, ContainerOverrides overrides, string imageName)
    {
        image ??= new ContainerConfig();
        var entrypoint = overrides.Entrypoint ?? image.Entrypoint ?? [];
        IReadOnlyList<string> cmd = overrides.Cmd is { Count: > 0 } given ? given
            : overrides.Entrypoint is not null ? []
            : image.Cmd ?? [];
        var command = entrypoint.Concat(cmd).ToList();
        if (command.Count == 0)
        {
            throw new ImageStoreException(ImageErrorKind.InvalidArgument,
                $"no command for a container of image {imageName}: the image has no Entrypoint or Cmd; give a command or --entrypoint");
        }

        foreach (var entry in overrides.Env ?? [])
        {
            if (entry.IndexOf('=', StringComparison.Ordinal) <= 0)
            {
                throw new ImageStoreException(ImageErrorKind.InvalidArgument, $"invalid env entry '{entry}': expected KEY=VALUE");
            }
        }

        var env = ChangeLines.MergeEnv(image.Env, (overrides.Env ?? []).Select(e => (ChangeLines.EnvKey(e), e[(e.IndexOf('=', StringComparison.Ordinal) + 1)..]))).ToList();
        if (!env.Any(e => ChangeLines.EnvKey(e) == "PATH"))
        {
            env.Insert(0, DefaultPath);
        }

        var workingDir = NonEmpty(overrides.WorkingDir) ?? NonEmpty(image.WorkingDir) ?? "/";
        if (!workingDir.StartsWith('/'))
        {
            throw new ImageStoreException(ImageErrorKind.InvalidArgument, $"invalid working directory '{workingDir}': it must be an absolute path");
        }

        var labels = new Dictionary<string, string>(image.Labels ?? []);
        foreach (var (key, value) in overrides.Labels ?? new Dictionary<string, string>())
        {
            labels[key] = value;
        }

        return new EffectiveContainerConfig(
            Command: command,
            Entrypoint: [.. entrypoint],
            Cmd: cmd,
            Env: env,
            WorkingDir: workingDir,
            User: NonEmpty(overrides.User) ?? image.User ?? string.Empty,
            StopSignal: NonEmpty(overrides.StopSignal) ?? NonEmpty(image.StopSignal) ?? "SIGTERM",
            Healthcheck: image.Healthcheck,
            ExposedPorts: [.. (image.ExposedPorts?.Keys ?? Enumerable.Empty<string>()).Order(StringComparer.Ordinal)],
            Labels: labels);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
