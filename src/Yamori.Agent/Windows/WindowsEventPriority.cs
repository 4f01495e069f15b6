using System.Globalization;
using Yamori.Agent.Telemetry;
using Yamori.Sigma.Events;

namespace Yamori.Agent.Windows;

/// <summary>
/// What a mapped Windows event is worth to the spool: high-volume context (Sysmon network
/// connections, image loads, file and registry noise; Security object-access and filtering-platform
/// audit) is <see cref="EventPriority.Low"/> and is shed first; process starts, logons, account and audit changes and everything else stay
/// <see cref="EventPriority.Normal"/>.
/// </summary>
public static class WindowsEventPriority
{
    private const string Sysmon = "Microsoft-Windows-Sysmon/Operational";

    /// <summary>The priority of an event mapped by <see cref="WindowsEventMapper"/> (reads Channel and EventID).</summary>
    public static EventPriority Of(FlatEvent mapped)
    {
        string? channel = mapped.TryGetField("Channel", out FieldValue c) ? c.Text : null;
        int eventId = mapped.TryGetField("EventID", out FieldValue id) && id.Text is { } text &&
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : -1;
        return Of(channel, eventId);
    }

    public static EventPriority Of(string? channel, int eventId)
    {
        if (string.Equals(channel, "Security", StringComparison.OrdinalIgnoreCase))
        {
            return eventId switch
            {
                // Object access and filtering-platform audit: thousands per minute where enabled.
                4656 or 4658 or 4663 or 4673 or 4674 or 4690 or 5145 or 5156 or 5157 or 5158 => EventPriority.Low,
                _ => EventPriority.Normal,
            };
        }

        if (!string.Equals(channel, Sysmon, StringComparison.OrdinalIgnoreCase))
        {
            return EventPriority.Normal;
        }

        return eventId switch
        {
            // 3 network connection, 7 image load, 11 file create, 12–14 registry, 15 file stream,
            // 22 DNS query, 23/26 file delete: the bulk of Sysmon's volume. 10 (process access) stays
            // Normal: configurations narrow it to LSASS and the like, where it is the evidence.
            3 or 7 or 11 or 12 or 13 or 14 or 15 or 22 or 23 or 26 => EventPriority.Low,
            _ => EventPriority.Normal,
        };
    }
}
