namespace Yamori.Cloud.Notifications;

/// <summary>
/// How urgent a notification is. Ordered: a contact's minimum severity and the dispatcher's
/// immediate/digest split compare these values.
/// </summary>
public enum Severity
{
    /// <summary>Recorded, never sent.</summary>
    Informational = 0,

    /// <summary>Collected into the contact's digest.</summary>
    Low = 1,

    /// <summary>Collected into the contact's digest.</summary>
    Medium = 2,

    /// <summary>Sent at once.</summary>
    High = 3,

    /// <summary>Sent at once.</summary>
    Critical = 4,
}

/// <summary>Wire names (<c>critical</c>, …) for webhooks and the API.</summary>
public static class Severities
{
    public static string ToWire(this Severity severity) => severity switch
    {
        Severity.Informational => "informational",
        Severity.Low => "low",
        Severity.Medium => "medium",
        Severity.High => "high",
        Severity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "unknown severity"),
    };

    public static bool IsDefined(Severity severity) => severity is >= Severity.Informational and <= Severity.Critical;
}
