using System.Text.Json;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Response;

/// <summary>A command already carried out, and what came of it.</summary>
public sealed record JournalEntry(string CommandId, CommandOutcome Outcome, DateTimeOffset FinishedAt);

/// <summary>
/// The ids of recently executed commands with their outcomes, so a command re-delivered after a
/// reconnect is answered from here instead of being carried out again. A JSON Lines file in the
/// agent's data dir, appended and fsynced per command (commands are rare), rewritten down to the
/// newest <c>capacity</c> entries when it holds twice that. A torn last line (power loss while
/// appending) is skipped and counted in <see cref="CorruptLinesSkipped"/>.
/// </summary>
public sealed class ReplayJournal : IDisposable
{
    /// <summary>Outputs above this are not kept (a query result can be 1 MiB); the replayed outcome says so.</summary>
    public const int MaxKeptOutputBytes = 64 * 1024;

    private readonly string _path;
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, JournalEntry> _byId = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private FileStream _file;
    private int _linesInFile;

    private ReplayJournal(string path, int capacity)
    {
        _path = path;
        _capacity = capacity;
        _file = null!;
    }

    /// <summary>Entries kept (at most the capacity).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byId.Count;
            }
        }
    }

    /// <summary>Unreadable lines met when opening (a torn append); their commands may run again if re-delivered.</summary>
    public int CorruptLinesSkipped { get; private set; }

    /// <summary>Opens (creating if needed) the journal at <paramref name="path"/>, keeping the newest <paramref name="capacity"/> entries.</summary>
    public static ReplayJournal Open(string path, int capacity = 1000)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var journal = new ReplayJournal(path, capacity);
        journal.Load();
        journal.Compact();
        return journal;
    }

    public bool TryGet(string commandId, out JournalEntry? entry)
    {
        lock (_gate)
        {
            return _byId.TryGetValue(commandId, out entry);
        }
    }

    /// <summary>Records and fsyncs the outcome of <paramref name="commandId"/> before it is reported.</summary>
    public JournalEntry Record(string commandId, CommandOutcome outcome, DateTimeOffset finishedAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(commandId);
        ArgumentNullException.ThrowIfNull(outcome);
        var entry = new JournalEntry(commandId, Kept(outcome), finishedAt);
        lock (_gate)
        {
            byte[] line = Serialize(entry);
            _file.Write(line);
            _file.Flush(flushToDisk: true);
            _linesInFile++;
            Remember(entry);
            if (_linesInFile >= 2 * _capacity)
            {
                Compact();
            }
        }

        return entry;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file.Dispose();
        }
    }

    private void Load()
    {
        if (File.Exists(_path))
        {
            foreach (string line in File.ReadLines(_path))
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (TryParse(line) is { } entry)
                {
                    Remember(entry);
                }
                else
                {
                    CorruptLinesSkipped++;
                }
            }
        }
    }

    /// <summary>Rewrites the file with the kept entries only (write, fsync, rename: never a half file).</summary>
    private void Compact()
    {
        _file?.Dispose();
        string temp = _path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (string id in _order)
            {
                stream.Write(Serialize(_byId[id]));
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, _path, overwrite: true);
        _linesInFile = _order.Count;
        _file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    private void Remember(JournalEntry entry)
    {
        if (_byId.TryAdd(entry.CommandId, entry))
        {
            _order.Enqueue(entry.CommandId);
        }
        else
        {
            _byId[entry.CommandId] = entry;
        }

        while (_order.Count > _capacity)
        {
            _byId.Remove(_order.Dequeue());
        }
    }

    private static CommandOutcome Kept(CommandOutcome outcome) =>
        outcome.Output is { Length: > MaxKeptOutputBytes }
            ? outcome with { Output = null, Message = outcome.Message + " (output not kept for re-delivery; issue the command again)" }
            : outcome;

    private static byte[] Serialize(JournalEntry entry)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", entry.CommandId);
            w.WriteNumber("status", (int)entry.Outcome.Status);
            w.WriteString("message", entry.Outcome.Message);
            if (entry.Outcome.Output is { } output)
            {
                w.WriteBase64String("output", output);
            }

            if (entry.Outcome.Sha256 is { } sha)
            {
                w.WriteString("sha256", sha);
            }

            w.WriteNumber("size", entry.Outcome.SizeBytes);
            w.WriteString("finished_at", entry.FinishedAt);
            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static JournalEntry? TryParse(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            JsonElement root = doc.RootElement;
            var outcome = new CommandOutcome(
                (CommandStatus)root.GetProperty("status").GetInt32(),
                root.GetProperty("message").GetString() ?? string.Empty,
                root.TryGetProperty("output", out JsonElement o) ? o.GetBytesFromBase64() : null,
                root.TryGetProperty("sha256", out JsonElement s) ? s.GetString() : null,
                root.GetProperty("size").GetUInt64());
            string id = root.GetProperty("id").GetString() ?? string.Empty;
            return id.Length == 0 ? null : new JournalEntry(id, outcome, root.GetProperty("finished_at").GetDateTimeOffset());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
