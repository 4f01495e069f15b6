using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Bench.CloudLoad;

/// <summary>
/// The event mix encoded once, without times, so that a simulated agent builds each batch by
/// copying bytes and writing one timestamp per event. Cloning and serialising 100 protobuf events
/// per batch cost the simulator half a core on the machine the cloud is measured on; agents of a
/// real fleet run elsewhere. The bytes are exactly what the generated serializer writes for the
/// same <c>AgentMessage</c> (the time, field 1, first), which the bench checks once at start.
/// </summary>
internal sealed class EncodedMix
{
    private readonly byte[][] _untimed;

    public EncodedMix(IReadOnlyList<Event> events)
    {
        _untimed = new byte[events.Count][];
        for (int i = 0; i < _untimed.Length; i++)
        {
            Event copy = events[i].Clone();
            copy.Time = null;
            _untimed[i] = copy.ToByteArray();
        }

        // The shortcut must be the real encoding, or the bench measures something else.
        var time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        var expected = new AgentMessage { Batch = new EventBatch { Sequence = 300 } };
        for (int i = 0; i < Math.Min(3, events.Count); i++)
        {
            Event e = events[i].Clone();
            e.Time = time;
            expected.Batch.Events.Add(e);
        }

        if (!Batch(300, 0, Math.Min(3, events.Count), time, out _).AsSpan().SequenceEqual(expected.ToByteArray()))
        {
            throw new InvalidOperationException("the pre-encoded batch differs from the generated serializer's bytes");
        }
    }

    public int Count => _untimed.Length;

    /// <summary><c>AgentMessage{batch{sequence, events[offset…] each stamped with time}}</c>, cycling through the mix.</summary>
    public byte[] Batch(ulong sequence, int offset, int count, Timestamp time, out int next)
    {
        byte[] stamp = time.ToByteArray();
        int timeField = 2 + stamp.Length;
        int batchLength = 1 + VarintSize(sequence);
        int at = offset;
        for (int i = 0; i < count; i++)
        {
            int eventLength = timeField + _untimed[at].Length;
            batchLength += 1 + VarintSize((ulong)eventLength) + eventLength;
            at = at + 1 == _untimed.Length ? 0 : at + 1;
        }

        byte[] message = new byte[1 + VarintSize((ulong)batchLength) + batchLength];
        int w = 0;
        message[w++] = 0x0A; // AgentMessage.batch
        w = Varint(message, w, (ulong)batchLength);
        message[w++] = 0x08; // EventBatch.sequence
        w = Varint(message, w, sequence);
        at = offset;
        for (int i = 0; i < count; i++)
        {
            byte[] body = _untimed[at];
            message[w++] = 0x12; // EventBatch.events
            w = Varint(message, w, (ulong)(timeField + body.Length));
            message[w++] = 0x0A; // Event.time
            message[w++] = (byte)stamp.Length;
            stamp.CopyTo(message, w);
            w += stamp.Length;
            body.CopyTo(message, w);
            w += body.Length;
            at = at + 1 == _untimed.Length ? 0 : at + 1;
        }

        next = at;
        return message;
    }

    private static int VarintSize(ulong value) => CodedOutputStream.ComputeUInt64Size(value);

    private static int Varint(byte[] into, int at, ulong value)
    {
        while (value >= 0x80)
        {
            into[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        into[at++] = (byte)value;
        return at;
    }
}
