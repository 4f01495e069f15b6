using System.Net;
using System.Runtime.Versioning;
using System.Text.Json;
using Yamori.Agent.Linux.Interop;

namespace Yamori.Agent.Linux.Isolation;

/// <summary>What the state file says: the host is isolated, allowing these addresses.</summary>
public sealed record IsolationRecord(DateTimeOffset AppliedAt, IReadOnlyList<ResolvedEndpoint> Cloud, IReadOnlyList<IPAddress> DnsResolvers);

/// <summary>
/// The "isolated" marker in the agent's data dir. Present means isolated (with the addresses that
/// were allowed); absent means not. Written by write-fsync-rename and the directory fsynced, so a
/// power loss leaves either the old or the new state, never a torn file.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class IsolationStateFile(string path)
{
    public string Path { get; } = path;

    public bool Exists => File.Exists(Path);

    /// <summary>The record, null when absent; throws <see cref="InvalidDataException"/> when unreadable.</summary>
    public IsolationRecord? Read()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(bytes);
            JsonElement root = doc.RootElement;
            var cloud = new List<ResolvedEndpoint>();
            foreach (JsonElement e in root.GetProperty("cloud").EnumerateArray())
            {
                cloud.Add(new ResolvedEndpoint(
                    e.GetProperty("host").GetString() ?? string.Empty,
                    IPAddress.Parse(e.GetProperty("address").GetString() ?? string.Empty),
                    e.GetProperty("port").GetInt32()));
            }

            var dns = new List<IPAddress>();
            foreach (JsonElement e in root.GetProperty("dns").EnumerateArray())
            {
                dns.Add(IPAddress.Parse(e.GetString() ?? string.Empty));
            }

            return new IsolationRecord(root.GetProperty("applied_at").GetDateTimeOffset(), cloud, dns);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"isolation state file '{Path}' is unreadable: {e.Message}", e);
        }
    }

    public void Write(IsolationRecord record)
    {
        string dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(dir);
        string temp = Path + ".tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteBoolean("isolated", true);
                w.WriteString("applied_at", record.AppliedAt);
                w.WriteStartArray("cloud");
                foreach (ResolvedEndpoint e in record.Cloud)
                {
                    w.WriteStartObject();
                    w.WriteString("host", e.Host);
                    w.WriteString("address", e.Address.ToString());
                    w.WriteNumber("port", e.Port);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("dns");
                foreach (IPAddress r in record.DnsResolvers)
                {
                    w.WriteStringValue(r.ToString());
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, Path, overwrite: true);
        LibC.FsyncDirectory(dir);
    }

    /// <summary>Removes the file; true when there was one.</summary>
    public bool Delete()
    {
        if (!File.Exists(Path))
        {
            return false;
        }

        File.Delete(Path);
        LibC.FsyncDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        return true;
    }
}
