using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Yamori.Cloud.Events;
using Yamori.Cloud.Ingest;
using Yamori.Contracts.Agent.V1;
using Field = Yamori.Contracts.Agent.V1.Field;
using LogSource = Yamori.Contracts.Agent.V1.LogSource;

namespace Yamori.Cloud.Tests;

/// <summary>
/// The direct reader against Google.Protobuf's generated parser (followed by the mapping the cloud
/// used before): for the same bytes both must give the same telemetry, the same refusals, and
/// errors for the same corruptions.
/// </summary>
public sealed class BatchWireReaderTests
{
    private static readonly string[] Names = ["Image", "CommandLine", "ParentImage", "User", "ProcessId", "Hashes", "TargetObject", "Details", "名前", "Ünïcode", "x"];

    [Fact]
    public void Random_batches_read_as_the_generated_parser_reads_them()
    {
        var random = new Random(20261126);
        for (int round = 0; round < 300; round++)
        {
            AgentMessage message = RandomBatch(random, (ulong)random.NextInt64(1, long.MaxValue));
            byte[] bytes = message.ToByteArray();

            Assert.True(BatchWireReader.TryRead(bytes, out ulong sequence, out TelemetryEvent[] events));
            AssertSameAsParser(bytes, sequence, events);
        }
    }

    [Fact]
    public void Unknown_fields_at_every_level_are_skipped_as_the_parser_skips_them()
    {
        var random = new Random(7);
        AgentMessage message = RandomBatch(random, 42);
        foreach (Event ev in message.Batch.Events)
        {
            // Unknown fields of each wire type inside events, their fields, logsource and time.
            AddUnknown(ev);
            if (ev.Logsource is not null)
            {
                AddUnknown(ev.Logsource);
            }

            AddUnknown(ev.Time);
            foreach (Field field in ev.Fields)
            {
                AddUnknown(field);
            }
        }

        AddUnknown(message.Batch);
        byte[] bytes = message.ToByteArray();

        Assert.True(BatchWireReader.TryRead(bytes, out ulong sequence, out TelemetryEvent[] events));
        Assert.Equal(42UL, sequence);
        AssertSameAsParser(bytes, sequence, events);
    }

    [Fact]
    public void A_sequence_written_after_the_events_is_still_the_batch_sequence()
    {
        AgentMessage message = RandomBatch(new Random(3), 0);
        byte[] events = message.Batch.ToByteArray();
        var batch = new MemoryStream();
        batch.Write(events);
        var tail = new CodedOutputStream(batch);
        tail.WriteTag(EventBatch.SequenceFieldNumber, WireFormat.WireType.Varint);
        tail.WriteUInt64(99);
        tail.Flush();
        byte[] bytes = Wrap(batch.ToArray());

        Assert.True(BatchWireReader.TryRead(bytes, out ulong sequence, out TelemetryEvent[] read));
        Assert.Equal(99UL, sequence);
        Assert.Equal(99UL, AgentMessage.Parser.ParseFrom(bytes).Batch.Sequence);
        AssertSameAsParser(bytes, sequence, read);
    }

    [Fact]
    public void The_first_and_last_representable_instants_read_as_the_parser_reads_them()
    {
        foreach (Timestamp time in new[] { new Timestamp { Seconds = -62135596800 }, new Timestamp { Seconds = 253402300799, Nanos = 999_999_999 }, new Timestamp() })
        {
            byte[] bytes = Batch(1, new Event { Time = time, Fields = { new Field { Name = "Image", StringValue = "a" } } }).ToByteArray();
            Assert.True(BatchWireReader.TryRead(bytes, out ulong sequence, out TelemetryEvent[] events));
            AssertSameAsParser(bytes, sequence, events);
        }
    }

    [Fact]
    public void Other_messages_are_left_to_the_parser()
    {
        Assert.False(BatchWireReader.TryRead([], out _, out _));
        Assert.False(BatchWireReader.TryRead(new AgentMessage { Heartbeat = new Heartbeat { AgentVersion = "1.0" } }.ToByteArray(), out _, out _));
        Assert.False(BatchWireReader.TryRead(new AgentMessage { CommandResult = new CommandResult { CommandId = "c" } }.ToByteArray(), out _, out _));
    }

    [Fact]
    public void Events_that_cannot_be_telemetry_are_refused_with_the_mapping_s_own_words()
    {
        AgentMessage noTime = Batch(5, new Event { Fields = { new Field { Name = "Image", StringValue = "a" } } });
        AgentMessage badTime = Batch(5, new Event { Time = new Timestamp { Seconds = 1, Nanos = -1 }, Fields = { new Field { Name = "Image", StringValue = "a" } } });
        AgentMessage lateTime = Batch(5, new Event { Time = new Timestamp { Seconds = 253402300800 }, Fields = { new Field { Name = "Image", StringValue = "a" } } });
        AgentMessage nameless = Batch(5, Timed(new Field { StringValue = "a" }));
        AgentMessage valueless = Batch(5, Timed(new Field { Name = "Image" }));

        foreach (AgentMessage message in new[] { noTime, badTime, lateTime, nameless, valueless })
        {
            var direct = Assert.Throws<MalformedBatchException>(() => BatchWireReader.TryRead(message.ToByteArray(), out _, out _));
            var mapped = Assert.Throws<MalformedBatchException>(() => ContractMapping.ToTelemetry(message.Batch.Events[0], 5, 0));
            Assert.Equal(mapped.Message, direct.Message);
        }
    }

    [Fact]
    public void Every_truncation_is_corrupt_for_both_readers()
    {
        byte[] bytes = RandomBatch(new Random(11), 8).ToByteArray();
        for (int length = 1; length < bytes.Length; length++)
        {
            byte[] cut = bytes[..length];
            Assert.Throws<InvalidDataException>(() => BatchWireReader.TryRead(cut, out _, out _));
            Assert.Throws<InvalidProtocolBufferException>(() => AgentMessage.Parser.ParseFrom(cut));
        }
    }

    [Theory]
    [InlineData(Field.NameFieldNumber)]
    [InlineData(Field.StringValueFieldNumber)]
    public void Invalid_utf8_is_corrupt_for_both_readers(int number)
    {
        var field = new MemoryStream();
        var w = new CodedOutputStream(field);
        if (number != Field.NameFieldNumber)
        {
            w.WriteTag(Field.NameFieldNumber, WireFormat.WireType.LengthDelimited);
            w.WriteString("Image");
        }

        w.WriteTag(number, WireFormat.WireType.LengthDelimited);
        w.WriteBytes(ByteString.CopyFrom(0x49, 0xC3, 0x28));
        w.Flush();
        var ev = new Event { Time = Timestamp.FromDateTimeOffset(Events.T0) };
        byte[] eventBytes = [.. ev.ToByteArray(), .. Tagged(Event.FieldsFieldNumber, field.ToArray())];
        byte[] bytes = Wrap(Tagged(EventBatch.EventsFieldNumber, eventBytes));

        Assert.Throws<InvalidDataException>(() => BatchWireReader.TryRead(bytes, out _, out _));
        Assert.Throws<InvalidProtocolBufferException>(() => AgentMessage.Parser.ParseFrom(bytes));
    }

    [Fact]
    public void Field_names_are_one_string_across_events_and_batches()
    {
        byte[] one = Batch(1, Timed(new Field { Name = "CommandLine", StringValue = "a" })).ToByteArray();
        byte[] two = Batch(2, Timed(new Field { Name = "CommandLine", StringValue = "b" })).ToByteArray();
        BatchWireReader.TryRead(one, out _, out TelemetryEvent[] first);
        BatchWireReader.TryRead(two, out _, out TelemetryEvent[] second);

        Assert.Same(first[0].Fields[0].Name, second[0].Fields[0].Name);
        Assert.NotSame(first[0].Fields[0].Value.AsString, second[0].Fields[0].Value.AsString);
    }

    private static void AssertSameAsParser(byte[] bytes, ulong sequence, TelemetryEvent[] events)
    {
        EventBatch parsed = AgentMessage.Parser.ParseFrom(bytes).Batch;
        Assert.Equal(parsed.Sequence, sequence);
        Assert.Equal(parsed.Events.Count, events.Length);
        for (int i = 0; i < events.Length; i++)
        {
            TelemetryEvent expected = ContractMapping.ToTelemetry(parsed.Events[i], parsed.Sequence, i);
            Assert.Equal(expected.Time, events[i].Time);
            Assert.Equal(expected.Source, events[i].Source);
            Assert.Equal(expected.Fields, events[i].Fields);
        }
    }

    private static AgentMessage RandomBatch(Random random, ulong sequence)
    {
        var batch = new EventBatch { Sequence = sequence };
        int count = random.Next(0, 40);
        for (int e = 0; e < count; e++)
        {
            var ev = new Event { Time = new Timestamp { Seconds = random.NextInt64(-62135596800, 253402300799), Nanos = random.Next(0, 1_000_000_000) } };
            if (random.Next(4) != 0)
            {
                ev.Logsource = new LogSource { Product = random.Next(3) == 0 ? "" : "windows", Category = "process_creation", Service = random.Next(2) == 0 ? "" : "sysmon" };
            }

            int fields = random.Next(0, 30);
            for (int f = 0; f < fields; f++)
            {
                var field = new Field { Name = Names[random.Next(Names.Length)] };
                switch (random.Next(7))
                {
                    case 0: field.StringValue = RandomText(random); break;
                    case 1: field.IntValue = random.NextInt64(long.MinValue, long.MaxValue); break;
                    case 2: field.DoubleValue = (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-300, 300)); break;
                    case 3: field.BoolValue = random.Next(2) == 0; break;
                    case 4: field.NullValue = NullValue.NullValue; break;
                    case 5: field.StringList = new StringList { Values = { Enumerable.Range(0, random.Next(0, 5)).Select(_ => RandomText(random)) } }; break;
                    default: field.StringValue = ""; break;
                }

                ev.Fields.Add(field);
            }

            batch.Events.Add(ev);
        }

        return new AgentMessage { Batch = batch };
    }

    private static string RandomText(Random random)
    {
        const string alphabet = @"abcXYZ019 \/:.-_""'ÄéЖ家守🙂";
        var chars = new System.Text.StringBuilder();
        int length = random.Next(0, 200);
        while (chars.Length < length)
        {
            int at = random.Next(alphabet.Length);
            chars.Append(char.IsHighSurrogate(alphabet[at]) ? alphabet.Substring(at, 2) : char.IsLowSurrogate(alphabet[at]) ? "x" : alphabet[at].ToString());
        }

        return chars.ToString();
    }

    private static void AddUnknown(IMessage message)
    {
        var unknown = new MemoryStream();
        var w = new CodedOutputStream(unknown);
        w.WriteTag(900, WireFormat.WireType.Varint);
        w.WriteInt64(-5);
        w.WriteTag(901, WireFormat.WireType.Fixed64);
        w.WriteFixed64(7);
        w.WriteTag(902, WireFormat.WireType.LengthDelimited);
        w.WriteString("unknown");
        w.WriteTag(903, WireFormat.WireType.Fixed32);
        w.WriteFixed32(9);
        w.Flush();
        message.MergeFrom(unknown.ToArray());
    }

    private static AgentMessage Batch(ulong sequence, Event ev) => new() { Batch = new EventBatch { Sequence = sequence, Events = { ev } } };

    private static Event Timed(Field field) => new() { Time = Timestamp.FromDateTimeOffset(Events.T0), Fields = { field } };

    private static byte[] Wrap(byte[] batch) => Tagged(AgentMessage.BatchFieldNumber, batch);

    private static byte[] Tagged(int number, byte[] payload)
    {
        var stream = new MemoryStream();
        var w = new CodedOutputStream(stream);
        w.WriteTag(number, WireFormat.WireType.LengthDelimited);
        w.WriteBytes(ByteString.CopyFrom(payload));
        w.Flush();
        return stream.ToArray();
    }
}
