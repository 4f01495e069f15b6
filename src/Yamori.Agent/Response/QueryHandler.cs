using System.Globalization;
using System.Text.Json;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Response;

/// <summary>
/// Answers the predefined live queries ("processes", "connections") with JSON Lines (UTF-8, one
/// object per row, snake_case fields) in the outcome's output, capped so a result stays a small
/// message on the stream. Never runs anything but these two.
/// </summary>
/// <remarks>Args: <c>name</c>.</remarks>
public sealed class QueryHandler : ICommandHandler
{
    /// <summary>The default output cap: 1 MiB.</summary>
    public const int DefaultMaxOutputBytes = 1024 * 1024;

    private readonly IProcessLister _processes;
    private readonly IConnectionLister _connections;
    private readonly int _maxOutputBytes;

    /// <param name="maxOutputBytes">Output cap; rows past it are counted, not sent, and the message says so.</param>
    public QueryHandler(IProcessLister processes, IConnectionLister connections, int maxOutputBytes = DefaultMaxOutputBytes)
    {
        ArgumentNullException.ThrowIfNull(processes);
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxOutputBytes);
        _processes = processes;
        _connections = connections;
        _maxOutputBytes = maxOutputBytes;
    }

    public CommandKind Kind => CommandKind.Query;

    public Task<CommandOutcome> ExecuteAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!CommandArgs.TryGetRequired(request, "name", out string name, out CommandOutcome? rejection))
        {
            return Task.FromResult(rejection!);
        }

        return name switch
        {
            "processes" => Task.Run(() => Run(name, _processes.List(), WriteProcess, cancellationToken), cancellationToken),
            "connections" => Task.Run(() => Run(name, _connections.List(), WriteConnection, cancellationToken), cancellationToken),
            _ => Task.FromResult(CommandOutcome.Rejected($"argument 'name' must be 'processes' or 'connections', not '{CommandArgs.Shorten(name)}'")),
        };
    }

    private CommandOutcome Run<T>(string name, IEnumerable<T> rows, Action<Utf8JsonWriter, T> write, CancellationToken cancellationToken)
    {
        using var output = new MemoryStream();
        using var line = new MemoryStream();
        using var writer = new Utf8JsonWriter(line);
        int written = 0;
        int total = 0;
        bool full = false;
        foreach (T row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            total++;
            if (full)
            {
                continue; // past the cap rows are only counted, so the output stays a prefix of the list
            }

            line.SetLength(0);
            writer.Reset();
            write(writer, row);
            writer.Flush();
            if (output.Length + line.Length + 1 > _maxOutputBytes)
            {
                full = true;
                continue;
            }

            line.WriteTo(output);
            output.WriteByte((byte)'\n');
            written++;
        }

        string message = written == total
            ? string.Create(CultureInfo.InvariantCulture, $"{name}: {total} rows")
            : string.Create(CultureInfo.InvariantCulture, $"{name}: {total} rows, output truncated to the first {written} (cap {_maxOutputBytes} bytes)");
        return CommandOutcome.Succeeded(message, output.ToArray());
    }

    private static void WriteProcess(Utf8JsonWriter w, ProcessRow p)
    {
        w.WriteStartObject();
        w.WriteNumber("pid", p.Pid);
        w.WriteNumber("parent_pid", p.ParentPid);
        w.WriteString("image", p.Image);
        w.WriteString("command_line", p.CommandLine);
        if (p.Uid is { } uid)
        {
            w.WriteNumber("uid", uid);
        }
        else
        {
            w.WriteNull("uid");
        }

        w.WriteString("user", p.User);
        w.WriteNumber("start_time", p.StartTimeTicks);
        w.WriteEndObject();
    }

    private static void WriteConnection(Utf8JsonWriter w, ConnectionRow c)
    {
        w.WriteStartObject();
        w.WriteString("protocol", c.Protocol);
        w.WriteString("local_address", c.LocalAddress);
        w.WriteNumber("local_port", c.LocalPort);
        w.WriteString("remote_address", c.RemoteAddress);
        w.WriteNumber("remote_port", c.RemotePort);
        w.WriteString("state", c.State);
        if (c.Pid is { } pid)
        {
            w.WriteNumber("pid", pid);
        }
        else
        {
            w.WriteNull("pid");
        }

        w.WriteString("image", c.Image);

        w.WriteEndObject();
    }
}
