using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Yamori.Contracts.Agent.V1;
using Field = Yamori.Contracts.Agent.V1.Field;

namespace Yamori.Cloud.Tests;

public sealed class ContractTests
{
    [Fact]
    public void Agent_batch_round_trips_through_the_wire_format()
    {
        var message = new AgentMessage
        {
            Batch = new EventBatch
            {
                Sequence = ulong.MaxValue >> 1,
                Events =
                {
                    new Event
                    {
                        Time = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero).AddTicks(1)),
                        Logsource = new LogSource { Product = "windows", Category = "process_creation" },
                        Fields =
                        {
                            new Field { Name = "Image", StringValue = @"C:\Windows\System32\cmd.exe" },
                            new Field { Name = "ProcessId", IntValue = -42 },
                            new Field { Name = "Ratio", DoubleValue = 0.5 },
                            new Field { Name = "Elevated", BoolValue = false },
                            new Field { Name = "ParentUser", NullValue = NullValue.NullValue },
                            new Field { Name = "Hashes", StringList = new StringList { Values = { "SHA256=AB", "MD5=CD" } } },
                            new Field { Name = "Empty", StringValue = "" },
                        },
                    },
                },
            },
        };

        AgentMessage back = AgentMessage.Parser.ParseFrom(message.ToByteArray());

        Assert.Equal(message, back);
        Assert.Equal(AgentMessage.BodyOneofCase.Batch, back.BodyCase);
        Field[] fields = [.. back.Batch.Events[0].Fields];
        Assert.Equal(Field.ValueOneofCase.BoolValue, fields[3].ValueCase);
        Assert.Equal(Field.ValueOneofCase.NullValue, fields[4].ValueCase);
        Assert.Equal(Field.ValueOneofCase.StringValue, fields[6].ValueCase);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero).AddTicks(1), back.Batch.Events[0].Time.ToDateTimeOffset());
    }

    [Fact]
    public void Heartbeat_and_command_result_round_trip()
    {
        var heartbeat = new AgentMessage
        {
            Heartbeat = new Heartbeat
            {
                AgentVersion = "0.1.0",
                SpoolEvents = 12_345,
                SpoolBytes = 9_876_543,
                EventsDropped = { ["spool_full"] = 7, ["collector_overrun"] = 1 },
                CpuPercent = 0.4,
                RssBytes = 48 << 20,
                SentAt = Timestamp.FromDateTime(DateTime.UnixEpoch.AddDays(20_000)),
                LastSpooledSequence = 99,
            },
        };
        var result = new AgentMessage
        {
            CommandResult = new CommandResult
            {
                CommandId = "cmd-1",
                Status = CommandStatus.Succeeded,
                Message = "collected",
                Output = ByteString.CopyFromUtf8("{\"pid\":1}"),
                Sha256 = new string('a', 64),
                SizeBytes = 1024,
            },
        };

        Assert.Equal(heartbeat, AgentMessage.Parser.ParseFrom(heartbeat.ToByteArray()));
        Assert.Equal(result, AgentMessage.Parser.ParseFrom(result.ToByteArray()));
    }

    [Fact]
    public void Cloud_messages_round_trip()
    {
        CloudMessage[] messages =
        [
            new() { Ack = new Ack { Sequence = 17 } },
            new()
            {
                Command = new Command
                {
                    Id = "c-9",
                    Kind = CommandKind.Kill,
                    Args = { ["pid"] = "4242", ["image"] = @"C:\evil.exe" },
                    IssuedAt = Timestamp.FromDateTime(DateTime.UnixEpoch.AddDays(20_000)),
                    ExpiresAt = Timestamp.FromDateTime(DateTime.UnixEpoch.AddDays(20_001)),
                },
            },
            new() { FlowControl = new FlowControl { MaxInFlightBatches = 8, Paused = true, MaxBatchEvents = 5000, MaxBatchBytes = 4 << 20 } },
            new() { BatchRejected = new BatchRejected { Sequence = 3, Reason = RejectReason.TooManyEvents, Message = "too many" } },
        ];

        foreach (CloudMessage message in messages)
        {
            CloudMessage back = CloudMessage.Parser.ParseFrom(message.ToByteArray());
            Assert.Equal(message, back);
            Assert.Equal(message.BodyCase, back.BodyCase);
        }
    }

    [Fact]
    public void Service_is_bidirectional_streaming()
    {
        IList<Google.Protobuf.Reflection.MethodDescriptor> methods = Assert.Single(AgentChannelReflection.Descriptor.Services).Methods;
        Google.Protobuf.Reflection.MethodDescriptor connect = methods.Single(m => m.Name == "Connect");
        Assert.True(connect.IsClientStreaming);
        Assert.True(connect.IsServerStreaming);

        // Collected files go up on their own call, so one large file never stalls the telemetry stream.
        Google.Protobuf.Reflection.MethodDescriptor upload = methods.Single(m => m.Name == "UploadFile");
        Assert.True(upload.IsClientStreaming);
        Assert.False(upload.IsServerStreaming);
        Assert.Equal(2, methods.Count);
        Assert.Equal("/yamori.agent.v1.AgentChannel/Connect", AgentChannel.Descriptor.FullName.Insert(0, "/") + "/Connect");
    }
}
