using System.Globalization;

namespace Yamori.Cloud.Response;

/// <summary>What a response command does. Numbers match the agent contract's <c>CommandKind</c>.</summary>
public enum ResponseKind
{
    /// <summary>Cut the host off the network except for the cloud.</summary>
    Isolate = 1,
    Release = 2,
    Kill = 3,
    Collect = 4,
    Query = 5,
}

/// <summary>
/// A response action with its arguments, validated on construction. Only these five shapes exist:
/// the agent runs nothing free-form.
/// </summary>
public sealed record ResponseAction
{
    /// <summary>The predefined live queries the agent knows.</summary>
    public static IReadOnlyList<string> QueryNames { get; } = ["processes", "connections"];

    private ResponseAction(ResponseKind kind, int? pid = null, string? image = null, string? path = null, long? maxBytes = null, string? queryName = null)
    {
        Kind = kind;
        Pid = pid;
        Image = image;
        Path = path;
        MaxBytes = maxBytes;
        QueryName = queryName;
    }

    public ResponseKind Kind { get; }

    /// <summary>Kill: the process id.</summary>
    public int? Pid { get; }

    /// <summary>
    /// Kill: the image the process must have. The agent kills only when the pid still runs this
    /// image, so a pid reused since the alert is never hit.
    /// </summary>
    public string? Image { get; }

    /// <summary>Collect: absolute path of the file on the device.</summary>
    public string? Path { get; }

    /// <summary>Collect: the largest file the agent should upload; null uses the cloud's cap.</summary>
    public long? MaxBytes { get; }

    /// <summary>Query: one of <see cref="QueryNames"/>.</summary>
    public string? QueryName { get; }

    public static ResponseAction Isolate() => new(ResponseKind.Isolate);

    public static ResponseAction Release() => new(ResponseKind.Release);

    /// <exception cref="ArgumentException">pid or image is invalid.</exception>
    public static ResponseAction Kill(int pid, string image)
    {
        if (pid <= 0)
        {
            throw new ArgumentException("pid must be a positive process id", nameof(pid));
        }

        if (pid is 1 or 4)
        {
            throw new ArgumentException($"pid {pid} is the operating system itself and cannot be killed", nameof(pid));
        }

        if (string.IsNullOrWhiteSpace(image) || image.Length > 4096 || image.Any(char.IsControl))
        {
            throw new ArgumentException("image must be the process's executable path or name (1 to 4096 characters)", nameof(image));
        }

        return new(ResponseKind.Kill, pid: pid, image: image);
    }

    /// <exception cref="ArgumentException">path or maxBytes is invalid.</exception>
    public static ResponseAction Collect(string path, long? maxBytes = null)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Length > 4096 || path.Any(char.IsControl))
        {
            throw new ArgumentException("path must be 1 to 4096 characters without control characters", nameof(path));
        }

        if (!IsAbsolute(path))
        {
            throw new ArgumentException("path must be absolute (C:\\… or /…)", nameof(path));
        }

        if (path.Replace('\\', '/').Split('/').Contains(".."))
        {
            throw new ArgumentException("path must not contain '..' segments", nameof(path));
        }

        if (maxBytes is <= 0)
        {
            throw new ArgumentException("maxBytes must be positive", nameof(maxBytes));
        }

        return new(ResponseKind.Collect, path: path, maxBytes: maxBytes);
    }

    /// <exception cref="ArgumentException">name is not a predefined query.</exception>
    public static ResponseAction Query(string name)
    {
        if (!QueryNames.Contains(name))
        {
            throw new ArgumentException($"name must be one of: {string.Join(", ", QueryNames)}", nameof(name));
        }

        return new(ResponseKind.Query, queryName: name);
    }

    /// <summary>Builds and validates an action from the wire arguments (<c>pid</c>, <c>image</c>, <c>path</c>, <c>max_bytes</c>, <c>name</c>).</summary>
    /// <exception cref="ArgumentException">The kind is unknown or an argument is missing or invalid.</exception>
    public static ResponseAction FromArgs(ResponseKind kind, IReadOnlyDictionary<string, string> args) => kind switch
    {
        ResponseKind.Isolate => Isolate(),
        ResponseKind.Release => Release(),
        ResponseKind.Kill => Kill(
            args.TryGetValue("pid", out string? pid) && int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int p)
                ? p : throw new ArgumentException("pid must be a positive integer", "pid"),
            args.GetValueOrDefault("image") ?? ""),
        ResponseKind.Collect => Collect(
            args.GetValueOrDefault("path") ?? "",
            args.TryGetValue("max_bytes", out string? max)
                ? long.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out long m) ? m : throw new ArgumentException("maxBytes must be a positive integer", "maxBytes")
                : null),
        ResponseKind.Query => Query(args.GetValueOrDefault("name") ?? ""),
        _ => throw new ArgumentException($"kind {(int)kind} is not a response kind", nameof(kind)),
    };

    /// <summary>The arguments as the agent contract spells them.</summary>
    public IReadOnlyDictionary<string, string> ToArgs()
    {
        var args = new SortedDictionary<string, string>(StringComparer.Ordinal);
        switch (Kind)
        {
            case ResponseKind.Kill:
                args["pid"] = Pid!.Value.ToString(CultureInfo.InvariantCulture);
                args["image"] = Image!;
                break;
            case ResponseKind.Collect:
                args["path"] = Path!;
                if (MaxBytes is { } max)
                {
                    args["max_bytes"] = max.ToString(CultureInfo.InvariantCulture);
                }

                break;
            case ResponseKind.Query:
                args["name"] = QueryName!;
                break;
        }

        return args;
    }

    private static bool IsAbsolute(string path) =>
        path.StartsWith('/')
        || path.StartsWith(@"\\", StringComparison.Ordinal)
        || (path.Length >= 3 && char.IsAsciiLetter(path[0]) && path[1] == ':' && path[2] is '\\' or '/');
}

/// <summary>Wire names of the kinds (<c>isolate</c>, …) for the API and configuration.</summary>
public static class ResponseKinds
{
    public static IReadOnlyList<ResponseKind> All { get; } = [ResponseKind.Isolate, ResponseKind.Release, ResponseKind.Kill, ResponseKind.Collect, ResponseKind.Query];

    public static string ToWire(this ResponseKind kind) => kind switch
    {
        ResponseKind.Isolate => "isolate",
        ResponseKind.Release => "release",
        ResponseKind.Kill => "kill",
        ResponseKind.Collect => "collect",
        ResponseKind.Query => "query",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown response kind"),
    };

    public static bool TryParse(string? text, out ResponseKind kind)
    {
        kind = text switch
        {
            "isolate" => ResponseKind.Isolate,
            "release" => ResponseKind.Release,
            "kill" => ResponseKind.Kill,
            "collect" => ResponseKind.Collect,
            "query" => ResponseKind.Query,
            _ => 0,
        };
        return kind != 0;
    }
}
