using System.Buffers.Binary;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Yamori.Cloud.Events;
using Wire = Yamori.Contracts.Agent.V1;

namespace Yamori.Cloud.Ingest;

/// <summary>
/// Reads an <c>AgentMessage</c> carrying an event batch straight from its protobuf bytes into
/// <see cref="TelemetryEvent"/>s, without the generated object graph: that graph cost a <c>Field</c>
/// object and a name string per field of every event, about a quarter of the cloud's CPU with the
/// garbage it made. Field names repeat across events, so they are shared through a bounded table.
/// The result is what <see cref="ContractMapping.ToTelemetry"/> makes of the parsed message (a test
/// compares the two); anything else (heartbeats, results, unusual encodings) is left to the parser.
/// </summary>
public static class BatchWireReader
{
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    // Timestamp's valid range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
    private const long MinSeconds = -62_135_596_800;
    private const long MaxSeconds = 253_402_300_799;
    private const int NanosPerSecond = 1_000_000_000;

    /// <summary>
    /// Reads <paramref name="message"/> if it is an <c>AgentMessage</c> whose only field is one batch.
    /// </summary>
    /// <returns>False when it is something else; parse it with <c>AgentMessage.Parser</c> then.</returns>
    /// <exception cref="InvalidDataException">The bytes are not valid protobuf (or use the long-deprecated group encoding).</exception>
    /// <exception cref="MalformedBatchException">Valid protobuf, but an event cannot be telemetry (no time, a nameless field…).</exception>
    public static bool TryRead(ReadOnlySpan<byte> message, out ulong sequence, out TelemetryEvent[] events)
    {
        sequence = 0;
        events = [];
        var top = new Cursor(message);
        ReadOnlySpan<byte> batch = default;
        bool found = false;
        while (!top.End)
        {
            (int number, int wireType) = top.Tag();
            if (number != Wire.AgentMessage.BatchFieldNumber || wireType != WireLengthDelimited || found)
            {
                return false;
            }

            batch = top.Bytes();
            found = true;
        }

        if (!found)
        {
            return false;
        }

        // Sequence first: error messages name it, and a writer may put it after the events.
        int count = 0;
        var scan = new Cursor(batch);
        while (!scan.End)
        {
            (int number, int wireType) = scan.Tag();
            if (number == Wire.EventBatch.SequenceFieldNumber && wireType == WireVarint)
            {
                sequence = scan.Varint();
            }
            else if (number == Wire.EventBatch.EventsFieldNumber && wireType == WireLengthDelimited)
            {
                scan.Bytes();
                count++;
            }
            else
            {
                scan.Skip(wireType);
            }
        }

        events = new TelemetryEvent[count];
        int index = 0;
        var read = new Cursor(batch);
        while (!read.End)
        {
            (int number, int wireType) = read.Tag();
            if (number == Wire.EventBatch.EventsFieldNumber && wireType == WireLengthDelimited)
            {
                events[index] = ReadEvent(read.Bytes(), sequence, index);
                index++;
            }
            else
            {
                read.Skip(wireType);
            }
        }

        return true;
    }

    private static TelemetryEvent ReadEvent(ReadOnlySpan<byte> bytes, ulong sequence, int index)
    {
        long seconds = 0;
        int nanos = 0;
        bool hasTime = false;
        string product = "", category = "", service = "";
        int fieldCount = 0;
        var scan = new Cursor(bytes);
        while (!scan.End)
        {
            (int number, int wireType) = scan.Tag();
            switch (number)
            {
                case Wire.Event.TimeFieldNumber when wireType == WireLengthDelimited:
                    hasTime = true;
                    ReadTimestamp(scan.Bytes(), ref seconds, ref nanos);
                    break;
                case Wire.Event.LogsourceFieldNumber when wireType == WireLengthDelimited:
                    ReadLogSource(scan.Bytes(), ref product, ref category, ref service);
                    break;
                case Wire.Event.FieldsFieldNumber when wireType == WireLengthDelimited:
                    scan.Bytes();
                    fieldCount++;
                    break;
                default:
                    scan.Skip(wireType);
                    break;
            }
        }

        if (!hasTime)
        {
            throw new MalformedBatchException($"event {index} of batch {sequence} has no time");
        }

        // The generated type's checks (0001-01-01 to 9999-12-31, normalised nanos) without an object per event.
        if (seconds is < MinSeconds or > MaxSeconds || nanos is < 0 or >= NanosPerSecond)
        {
            throw new MalformedBatchException($"event {index} of batch {sequence} has an invalid time");
        }

        var time = new DateTimeOffset(DateTime.UnixEpoch.Ticks + (seconds * TimeSpan.TicksPerSecond) + (nanos / 100), TimeSpan.Zero);

        var fields = new EventField[fieldCount];
        int f = 0;
        var read = new Cursor(bytes);
        while (!read.End)
        {
            (int number, int wireType) = read.Tag();
            if (number == Wire.Event.FieldsFieldNumber && wireType == WireLengthDelimited)
            {
                fields[f++] = ReadField(read.Bytes(), sequence, index);
            }
            else
            {
                read.Skip(wireType);
            }
        }

        return new TelemetryEvent(time, new LogSource(product, category, service), fields);
    }

    private static void ReadTimestamp(ReadOnlySpan<byte> bytes, ref long seconds, ref int nanos)
    {
        // A repeated message field merges: each occurrence overwrites the scalars it carries.
        var c = new Cursor(bytes);
        while (!c.End)
        {
            (int number, int wireType) = c.Tag();
            if (number == Timestamp.SecondsFieldNumber && wireType == WireVarint)
            {
                seconds = (long)c.Varint();
            }
            else if (number == Timestamp.NanosFieldNumber && wireType == WireVarint)
            {
                nanos = (int)c.Varint();
            }
            else
            {
                c.Skip(wireType);
            }
        }
    }

    private static void ReadLogSource(ReadOnlySpan<byte> bytes, ref string product, ref string category, ref string service)
    {
        var c = new Cursor(bytes);
        while (!c.End)
        {
            (int number, int wireType) = c.Tag();
            if (wireType != WireLengthDelimited || number is < Wire.LogSource.ProductFieldNumber or > Wire.LogSource.ServiceFieldNumber)
            {
                c.Skip(wireType);
                continue;
            }

            string text = FieldNames.Get(c.Bytes());
            switch (number)
            {
                case Wire.LogSource.ProductFieldNumber: product = text; break;
                case Wire.LogSource.CategoryFieldNumber: category = text; break;
                default: service = text; break;
            }
        }
    }

    private static EventField ReadField(ReadOnlySpan<byte> bytes, ulong sequence, int index)
    {
        string name = "";
        EventValue value = default;
        bool hasValue = false;
        List<string>? list = null;
        var c = new Cursor(bytes);
        while (!c.End)
        {
            (int number, int wireType) = c.Tag();
            switch (number)
            {
                case Wire.Field.NameFieldNumber when wireType == WireLengthDelimited:
                    name = FieldNames.Get(c.Bytes());
                    break;
                case Wire.Field.StringValueFieldNumber when wireType == WireLengthDelimited:
                    (value, hasValue, list) = (EventValue.From(Utf8(c.Bytes())), true, null);
                    break;
                case Wire.Field.IntValueFieldNumber when wireType == WireVarint:
                    ulong zigzag = c.Varint();
                    (value, hasValue, list) = (EventValue.From((long)(zigzag >> 1) ^ -(long)(zigzag & 1)), true, null);
                    break;
                case Wire.Field.DoubleValueFieldNumber when wireType == WireFixed64:
                    (value, hasValue, list) = (EventValue.From(BitConverter.Int64BitsToDouble((long)c.Fixed64())), true, null);
                    break;
                case Wire.Field.BoolValueFieldNumber when wireType == WireVarint:
                    (value, hasValue, list) = (EventValue.From(c.Varint() != 0), true, null);
                    break;
                case Wire.Field.NullValueFieldNumber when wireType == WireVarint:
                    c.Varint();
                    (value, hasValue, list) = (EventValue.Null, true, null);
                    break;
                case Wire.Field.StringListFieldNumber when wireType == WireLengthDelimited:
                    // A second occurrence of the same message field merges into the first.
                    list ??= [];
                    ReadStrings(c.Bytes(), list);
                    (value, hasValue) = (EventValue.From([.. list]), true);
                    break;
                default:
                    c.Skip(wireType);
                    break;
            }
        }

        if (name.Length == 0)
        {
            throw new MalformedBatchException($"event {index} of batch {sequence} has a field without a name");
        }

        return hasValue
            ? new EventField(name, value)
            : throw new MalformedBatchException($"field {name} of event {index} in batch {sequence} has no value");
    }

    private static void ReadStrings(ReadOnlySpan<byte> bytes, List<string> into)
    {
        var c = new Cursor(bytes);
        while (!c.End)
        {
            (int number, int wireType) = c.Tag();
            if (number == Wire.StringList.ValuesFieldNumber && wireType == WireLengthDelimited)
            {
                into.Add(Utf8(c.Bytes()));
            }
            else
            {
                c.Skip(wireType);
            }
        }
    }

    /// <summary>As the generated parser decodes strings: invalid UTF-8 makes the message corrupt.</summary>
    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string Utf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return bytes.IsEmpty ? "" : StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new InvalidDataException("a string is invalid UTF-8", ex);
        }
    }

    /// <summary>A forward-only protobuf reader over a span; every overrun is an <see cref="InvalidDataException"/>.</summary>
    private ref struct Cursor(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _at;

        public readonly bool End => _at >= _bytes.Length;

        public (int Number, int WireType) Tag()
        {
            ulong tag = Varint();
            int number = (int)(tag >> 3);
            if (number <= 0 || tag >> 3 > int.MaxValue)
            {
                throw new InvalidDataException($"invalid field tag {tag} at byte {_at}");
            }

            return (number, (int)(tag & 7));
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (_at >= _bytes.Length)
                {
                    throw new InvalidDataException("the message ends inside a varint");
                }

                byte b = _bytes[_at++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }

            throw new InvalidDataException($"a varint longer than 10 bytes ends at byte {_at}");
        }

        public ulong Fixed64()
        {
            ReadOnlySpan<byte> b = Take(8);
            return BinaryPrimitives.ReadUInt64LittleEndian(b);
        }

        public ReadOnlySpan<byte> Bytes()
        {
            ulong length = Varint();
            return length > (ulong)(_bytes.Length - _at)
                ? throw new InvalidDataException($"a length of {length} at byte {_at} runs past the end of the message")
                : Take((int)length);
        }

        public void Skip(int wireType)
        {
            switch (wireType)
            {
                case WireVarint: Varint(); break;
                case WireFixed64: Take(8); break;
                case WireLengthDelimited: Bytes(); break;
                case WireFixed32: Take(4); break;
                default: throw new InvalidDataException($"unsupported wire type {wireType} at byte {_at}");
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > _bytes.Length - _at)
            {
                throw new InvalidDataException($"the message ends inside a field at byte {_at}");
            }

            ReadOnlySpan<byte> taken = _bytes.Slice(_at, count);
            _at += count;
            return taken;
        }
    }
}
