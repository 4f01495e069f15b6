using System.Globalization;
using System.Text;
using System.Text.Json;
using Yamori.Evtx.Rendering;
using Yamori.Sigma.Events;

namespace Yamori.Evtx;

/// <summary>One decoded event record.</summary>
public sealed class EvtxRecord
{
    private readonly EvtxNode[] _nodes;

    internal EvtxRecord(ulong recordId, ulong writtenFileTime, int chunkIndex, long fileOffset, EvtxNode[] nodes, EvtxElement root)
    {
        RecordId = recordId;
        WrittenFileTime = writtenFileTime;
        ChunkIndex = chunkIndex;
        FileOffset = fileOffset;
        _nodes = nodes;
        Root = root;
    }

    /// <summary>The event record identifier (EventRecordID).</summary>
    public ulong RecordId { get; }

    /// <summary>The record header's written time as a FILETIME.</summary>
    public ulong WrittenFileTime { get; }

    /// <summary>The record header's written time (UTC); <see cref="DateTime.MinValue"/> when out of range.</summary>
    public DateTime Timestamp => ValueFormatter.TryFileTime(WrittenFileTime, out DateTime t) ? t : DateTime.MinValue;

    /// <summary>Index of the 64 KiB chunk (0 is the first chunk after the file header).</summary>
    public int ChunkIndex { get; }

    /// <summary>Absolute file offset of the record.</summary>
    public long FileOffset { get; }

    /// <summary>The document's top-level nodes (normally just <see cref="Root"/>).</summary>
    public IReadOnlyList<EvtxNode> Nodes => _nodes;

    /// <summary>The event element (<c>&lt;Event&gt;</c>).</summary>
    public EvtxElement Root { get; }

    /// <summary>The <c>System</c> element, or null.</summary>
    public EvtxElement? SystemElement => Root.Element("System");

    /// <summary>System/EventID (without qualifiers), or null when absent or not a number.</summary>
    public int? EventId => int.TryParse(SystemElement?.Element("EventID")?.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id) ? id : null;

    /// <summary>System/Channel, or null.</summary>
    public string? Channel => SystemElement?.Element("Channel")?.Text;

    /// <summary>System/Computer, or null.</summary>
    public string? Computer => SystemElement?.Element("Computer")?.Text;

    /// <summary>System/Provider/@Name, or null.</summary>
    public string? ProviderName => SystemElement?.Element("Provider")?.Attribute("Name")?.Value.ToString();

    /// <summary>System/TimeCreated/@SystemTime (UTC, full 100 ns precision), or null.</summary>
    public DateTime? TimeCreated =>
        SystemElement?.Element("TimeCreated")?.Attribute("SystemTime")?.Value is { } v && v.TryGetDateTime(out DateTime t) ? t : null;

    /// <summary>XML as Windows renders the event (values in Windows' formats); indented like Event Viewer when asked.</summary>
    public string ToXml(bool indent = true)
    {
        var sb = new StringBuilder(2048);
        EvtxXmlWriter.Write(sb, _nodes, indent);
        return sb.ToString();
    }

    /// <summary>Appends the XML rendering to <paramref name="output"/>.</summary>
    public void WriteXml(StringBuilder output, bool indent = true) => EvtxXmlWriter.Write(output, _nodes, indent);

    /// <summary>JSON in the shape of <c>evtx_dump</c> (the Rust evtx crate), as SigmaHQ's regression twins use.</summary>
    public string ToJson(bool indented = false)
    {
        using var ms = new MemoryStream(2048);
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteJson(w);
        }

        return Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
    }

    /// <summary>Writes the <c>evtx_dump</c>-shaped JSON object.</summary>
    public void WriteJson(Utf8JsonWriter writer) => EvtxJsonWriter.Write(writer, Root);

    /// <summary>
    /// Fills <paramref name="target"/> with the same fields <see cref="JsonEventReader.Fill"/> produces from
    /// this record's JSON (<c>EventID</c>, <c>Provider_Name</c>, EventData by name…), without the JSON round trip.
    /// </summary>
    public void Fill(FlatEvent target) => EvtxFlattener.Fill(target, Root);
}
