using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Events;

/// <summary>Sigma's logsource triple; empty strings for absent parts (as on the wire).</summary>
public readonly record struct LogSource(string Product, string Category, string Service)
{
    public static LogSource Empty => new("", "", "");
}

/// <summary>A named field; names are Sigma field names (Image, CommandLine, …).</summary>
public readonly record struct EventField(string Name, EventValue Value);

/// <summary>
/// One endpoint observation as the cloud handles it: the wire <c>Event</c> without protobuf types,
/// so stores and detection do not depend on the transport.
/// </summary>
/// <param name="Time">When it happened on the endpoint (UTC).</param>
public sealed record TelemetryEvent(DateTimeOffset Time, LogSource Source, IReadOnlyList<EventField> Fields)
{
    /// <summary>The first field named <paramref name="name"/> (ordinal, as Sigma names are case-exact on the wire).</summary>
    public bool TryGetField(string name, out EventValue value)
    {
        foreach (EventField field in Fields)
        {
            if (string.Equals(field.Name, name, StringComparison.Ordinal))
            {
                value = field.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>About the size of its protobuf encoding, used for batch size limits.</summary>
    internal int EstimatedBytes()
    {
        int size = 24 + Source.Product.Length + Source.Category.Length + Source.Service.Length;
        foreach (EventField field in Fields)
        {
            size += 4 + field.Name.Length + field.Value.EstimatedBytes;
        }

        return size;
    }
}

/// <summary>An event as stored: where it came from and where it sits in its device's stream.</summary>
/// <param name="Id">Store-assigned, increasing in commit order; a stable link for alerts and incidents.</param>
/// <param name="Sequence">The batch it arrived in.</param>
/// <param name="Index">Its position within that batch.</param>
/// <param name="ReceivedAt">When the cloud committed it (retention counts from here, not from the agent's clock).</param>
public sealed record StoredEvent(
    long Id,
    TenantId Tenant,
    DeviceId Device,
    ulong Sequence,
    int Index,
    DateTimeOffset ReceivedAt,
    TelemetryEvent Event);
