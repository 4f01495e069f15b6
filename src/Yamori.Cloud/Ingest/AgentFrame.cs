using Google.Protobuf;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Cloud.Ingest;

/// <summary>
/// One <see cref="AgentMessage"/> as it came off the wire, not parsed yet. A stream parses a batch
/// only once the pipeline has room for it: parked parsed batches (a thousand streams, one each,
/// some thirty objects per event) kept about 700 MB alive under load, so they reached gen2 and the
/// garbage collector's background marking set the pace. The raw bytes are a single array each.
/// </summary>
public sealed class AgentFrame(byte[] bytes)
{
    /// <summary>The encoded message, as received.</summary>
    public byte[] Bytes => bytes;

    /// <exception cref="InvalidProtocolBufferException">The bytes are not an <see cref="AgentMessage"/>.</exception>
    public AgentMessage Parse() => AgentMessage.Parser.ParseFrom(bytes);

    public static AgentFrame From(AgentMessage message) => new(message.ToByteArray());
}
