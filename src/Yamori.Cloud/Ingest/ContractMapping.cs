using Google.Protobuf.WellKnownTypes;
using Yamori.Cloud.Events;
using Yamori.Cloud.Tenancy;
using Wire = Yamori.Contracts.Agent.V1;

namespace Yamori.Cloud.Ingest;

/// <summary>
/// Between the wire contracts and the cloud's own types. The agent stream handler uses this, so
/// stores and detection never see protobuf types.
/// </summary>
public static class ContractMapping
{
    /// <summary>
    /// An <see cref="IngestBatch"/> for the device the certificate names.
    /// </summary>
    /// <exception cref="MalformedBatchException">An event lacks its time, a field its name or value.</exception>
    /// <param name="encodedBytes">The batch's size on the wire (the size limit applies to it).</param>
    public static IngestBatch ToIngestBatch(Wire.EventBatch batch, TenantScope scope, DeviceId device, int encodedBytes)
    {
        var events = new TelemetryEvent[batch.Events.Count];
        for (int i = 0; i < events.Length; i++)
        {
            events[i] = ToTelemetry(batch.Events[i], batch.Sequence, i);
        }

        return new IngestBatch(scope, device, batch.Sequence, events) { EncodedBytes = encodedBytes };
    }

    public static TelemetryEvent ToTelemetry(Wire.Event ev, ulong sequence = 0, int index = 0)
    {
        if (ev.Time is null)
        {
            throw new MalformedBatchException($"event {index} of batch {sequence} has no time");
        }

        DateTimeOffset time;
        try
        {
            time = ev.Time.ToDateTimeOffset();
        }
        catch (InvalidOperationException ex)
        {
            throw new MalformedBatchException($"event {index} of batch {sequence} has an invalid time", ex);
        }

        var fields = new EventField[ev.Fields.Count];
        for (int f = 0; f < fields.Length; f++)
        {
            Wire.Field field = ev.Fields[f];
            if (string.IsNullOrEmpty(field.Name))
            {
                throw new MalformedBatchException($"event {index} of batch {sequence} has a field without a name");
            }

            fields[f] = new EventField(field.Name, field.ValueCase switch
            {
                Wire.Field.ValueOneofCase.StringValue => EventValue.From(field.StringValue),
                Wire.Field.ValueOneofCase.IntValue => EventValue.From(field.IntValue),
                Wire.Field.ValueOneofCase.DoubleValue => EventValue.From(field.DoubleValue),
                Wire.Field.ValueOneofCase.BoolValue => EventValue.From(field.BoolValue),
                Wire.Field.ValueOneofCase.NullValue => EventValue.Null,
                Wire.Field.ValueOneofCase.StringList => EventValue.From([.. field.StringList.Values]),
                _ => throw new MalformedBatchException($"field {field.Name} of event {index} in batch {sequence} has no value"),
            });
        }

        Wire.LogSource? source = ev.Logsource;
        return new TelemetryEvent(
            time,
            source is null ? LogSource.Empty : new LogSource(source.Product, source.Category, source.Service),
            fields);
    }

    /// <summary>The wire form of an event (what an agent sends).</summary>
    public static Wire.Event ToContract(TelemetryEvent ev)
    {
        var wire = new Wire.Event
        {
            Time = Timestamp.FromDateTimeOffset(ev.Time),
            Logsource = new Wire.LogSource { Product = ev.Source.Product, Category = ev.Source.Category, Service = ev.Source.Service },
        };
        foreach (EventField field in ev.Fields)
        {
            var w = new Wire.Field { Name = field.Name };
            switch (field.Value.Kind)
            {
                case EventValueKind.String: w.StringValue = field.Value.AsString; break;
                case EventValueKind.Int64: w.IntValue = field.Value.AsInt64; break;
                case EventValueKind.Double: w.DoubleValue = field.Value.AsDouble; break;
                case EventValueKind.Boolean: w.BoolValue = field.Value.AsBoolean; break;
                case EventValueKind.StringList: w.StringList = new Wire.StringList { Values = { field.Value.Items } }; break;
                default: w.NullValue = NullValue.NullValue; break;
            }

            wire.Fields.Add(w);
        }

        return wire;
    }

    /// <summary>The answer to a batch: an Ack, or a BatchRejected the agent must not retry unchanged.</summary>
    public static Wire.CloudMessage ToCloudMessage(IngestResult result, ulong sequence) => result.Status switch
    {
        IngestStatus.Rejected => new Wire.CloudMessage
        {
            BatchRejected = new Wire.BatchRejected
            {
                Sequence = sequence,
                Reason = result.RejectReason switch
                {
                    IngestRejectReason.TooManyEvents => Wire.RejectReason.TooManyEvents,
                    IngestRejectReason.TooLarge => Wire.RejectReason.TooLarge,
                    IngestRejectReason.InvalidSequence => Wire.RejectReason.InvalidSequence,
                    IngestRejectReason.Malformed => Wire.RejectReason.Malformed,
                    _ => Wire.RejectReason.Unspecified,
                },
                Message = result.Message ?? "",
            },
        },
        _ => new Wire.CloudMessage { Ack = new Wire.Ack { Sequence = result.Ack } },
    };

    /// <summary>The limits to announce to agents on connect and when they change.</summary>
    public static Wire.CloudMessage ToFlowControl(IngestOptions options, int maxInFlightPerDevice, bool paused) => new()
    {
        FlowControl = new Wire.FlowControl
        {
            MaxInFlightBatches = (uint)maxInFlightPerDevice,
            Paused = paused,
            MaxBatchEvents = (uint)options.MaxBatchEvents,
            MaxBatchBytes = (uint)options.MaxBatchBytes,
        },
    };
}

/// <summary>A batch that cannot be read as telemetry (answered with REJECT_REASON_MALFORMED).</summary>
public sealed class MalformedBatchException : Exception
{
    public MalformedBatchException()
    {
    }

    public MalformedBatchException(string message)
        : base(message)
    {
    }

    public MalformedBatchException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
