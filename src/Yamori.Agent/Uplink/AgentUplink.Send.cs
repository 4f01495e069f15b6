using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Yamori.Agent.Spool;
using Yamori.Contracts.Agent.V1;

namespace Yamori.Agent.Uplink;

public sealed partial class AgentUplink
{
    private async Task SendAsync(UplinkSession session, CancellationToken cancellationToken)
    {
        await SendHeartbeatAsync(session, cancellationToken);
        long lastHeartbeat = _time.GetTimestamp();

        // Everything cut before this connection and not acknowledged goes again, same sequence, same events.
        foreach (SpooledBatch batch in _spool.Unacknowledged())
        {
            if (batch.Sequence <= session.Watermark)
            {
                continue;
            }

            while (session.Paused || session.InFlight >= session.MaxInFlight)
            {
                await session.WindowChanged.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                if (_time.GetElapsedTime(lastHeartbeat) >= _options.HeartbeatInterval)
                {
                    // A long re-send under a paused cloud must not look like a dead agent.
                    await SendHeartbeatAsync(session, cancellationToken);
                    lastHeartbeat = _time.GetTimestamp();
                }
            }

            await SendBatchAsync(batch, session, cancellationToken);
        }

        while (true)
        {
            TimeSpan untilHeartbeat = _options.HeartbeatInterval - _time.GetElapsedTime(lastHeartbeat);
            if (untilHeartbeat <= TimeSpan.Zero)
            {
                await SendHeartbeatAsync(session, cancellationToken);
                lastHeartbeat = _time.GetTimestamp();
                continue;
            }

            if (session.Paused || session.InFlight >= session.MaxInFlight)
            {
                await session.WindowChanged.WaitAsync(Min(untilHeartbeat, TimeSpan.FromSeconds(1)), cancellationToken);
                continue;
            }

            int maxEvents = Math.Min(_options.BatchMaxEvents, session.MaxBatchEvents);

            // The spool counts payload bytes; the cloud counts the encoded batch, which adds up to
            // 4 bytes of framing per event and the sequence field.
            int maxBytes = (int)Math.Min(_options.BatchMaxBytes, Math.Max(1024L, session.MaxBatchBytes - (4L * maxEvents) - 16));
            SpooledBatch? next = _spool.TakeBatch(maxEvents, maxBytes);
            if (next is not null)
            {
                await SendBatchAsync(next, session, cancellationToken);
                continue;
            }

            if (await _pipeline.Appended.WaitAsync(Min(untilHeartbeat, TimeSpan.FromSeconds(1)), cancellationToken))
            {
                // Let a few more events arrive so batches are not one event each, unless an alert waits.
                await _pipeline.AlertAppended.WaitAsync(_options.BatchLinger, cancellationToken);
            }
        }
    }

    private async Task SendBatchAsync(SpooledBatch spooled, UplinkSession session, CancellationToken cancellationToken)
    {
        var batch = new EventBatch { Sequence = spooled.Sequence };
        foreach (ReadOnlyMemory<byte> record in spooled.Records)
        {
            try
            {
                batch.Events.Add(Event.Parser.ParseFrom(record.Span));
            }
            catch (InvalidProtocolBufferException)
            {
                // The spool's CRC held, so the bytes are as written; a record that does not parse is
                // a bug, counted so the loss is visible, and it must not block the rest.
                _spool.CountDropped("unreadable_record", 1);
            }
        }

        session.OnSent(spooled.Sequence);
        await session.WriteAsync(new AgentMessage { Batch = batch }, cancellationToken);
    }

    private async Task SendHeartbeatAsync(UplinkSession session, CancellationToken cancellationToken)
    {
        SpoolStats stats = _spool.Stats;
        var heartbeat = new Heartbeat
        {
            AgentVersion = AgentVersion,
            SpoolEvents = stats.PendingEvents,
            SpoolBytes = stats.PendingBytes,
            CpuPercent = _governor.CpuPercentSinceLastHeartbeat(),
            RssBytes = (ulong)Math.Max(0, _governor.RssBytes),
            SentAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
            LastSpooledSequence = stats.LastAssignedSequence,
        };
        foreach (KeyValuePair<string, ulong> drop in stats.Dropped)
        {
            heartbeat.EventsDropped[drop.Key] = drop.Value;
        }

        if (_externalDrops is not null)
        {
            foreach (KeyValuePair<string, ulong> drop in _externalDrops())
            {
                heartbeat.EventsDropped[drop.Key] = heartbeat.EventsDropped.TryGetValue(drop.Key, out ulong known) ? known + drop.Value : drop.Value;
            }
        }

        await session.WriteAsync(new AgentMessage { Heartbeat = heartbeat }, cancellationToken);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to {Endpoint}; the cloud holds up to sequence {Watermark}, the spool has assigned up to {Assigned}")]
    private static partial void LogConnected(ILogger logger, string endpoint, ulong watermark, ulong assigned);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection to the cloud lost ({Kind}): {Reason}; reconnecting with backoff")]
    private static partial void LogDisconnected(ILogger logger, string kind, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cloud already holds sequence {Watermark}, beyond this spool's {Assigned}: numbering continues after it")]
    private static partial void LogSequenceAhead(ILogger logger, ulong watermark, ulong assigned);

    [LoggerMessage(Level = LogLevel.Error, Message = "The cloud rejected batch {Sequence} ({Reason}): {Detail}; its events are dropped and counted")]
    private static partial void LogRejected(ILogger logger, ulong sequence, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {CommandId} ({Kind}): {Status}")]
    private static partial void LogCommand(ILogger logger, string commandId, string kind, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The result of command {CommandId} could not be sent ({Reason}); it is answered again when the cloud re-delivers it")]
    private static partial void LogResultLost(ILogger logger, string commandId, string reason);
}
