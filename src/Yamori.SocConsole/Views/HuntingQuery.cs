using Yamori.Cloud.Events;
using Yamori.Cloud.Tenancy;

namespace Yamori.SocConsole.Views;

/// <summary>How a field condition compares; every operator ignores case, as Sigma's plain string tests do.</summary>
public enum HuntOperator
{
    Equals = 0,
    Contains = 1,
    StartsWith = 2,
    EndsWith = 3,
}

/// <summary>One field test: <c>Image endswith \powershell.exe</c>.</summary>
public sealed record HuntCondition(string Field, HuntOperator Operator, string Value);

/// <summary>
/// What to look for in stored telemetry, in <c>[From, To)</c> by event time. Town and device only
/// narrow what the actor's scope already allows; they never widen it.
/// </summary>
/// <param name="EventType">Matches the event's log-source category, service or product (case-insensitive).</param>
public sealed record HuntQuery(
    DateTimeOffset From,
    DateTimeOffset To,
    TenantId? Town = null,
    DeviceId? Device = null,
    string? EventType = null,
    IReadOnlyList<HuntCondition>? Conditions = null)
{
    /// <summary>The most field conditions one query takes.</summary>
    public const int MaxConditions = 5;

    public IReadOnlyList<HuntCondition> AllConditions => Conditions ?? [];
}

/// <summary>A matching event with the names the table shows.</summary>
/// <param name="Note">What matched, when it is not the query itself (the Sigma rules' titles).</param>
public sealed record HuntRow(StoredEvent Stored, string Town, string Hostname, string? Note = null)
{
    public TelemetryEvent Event => Stored.Event;
}

/// <summary>The rows of a hunt, newest first.</summary>
/// <param name="Columns">Field columns worth showing: the fields the conditions named, then Image and CommandLine.</param>
/// <param name="Capped">More events matched than the cap; only the newest are listed.</param>
/// <param name="ScanLimitReached">The scan stopped at its bound before covering the whole range: older matches may be missing.</param>
/// <param name="Scanned">Events read to answer.</param>
public sealed record HuntResult(IReadOnlyList<HuntRow> Rows, IReadOnlyList<string> Columns, bool Capped, bool ScanLimitReached, long Scanned);

/// <summary>Field tests and field text, shared by the hunting table, the CSV and the device page.</summary>
public static class HuntingFields
{
    /// <summary>The fields every event row shows when present.</summary>
    public static readonly IReadOnlyList<string> KeyFields = ["Image", "CommandLine"];

    /// <summary>The fields the device page shows for its recent events.</summary>
    public static readonly IReadOnlyList<string> DeviceEventFields = ["Image", "CommandLine", "TargetFilename", "DestinationIp"];

    /// <summary>True when every condition holds (an empty list holds).</summary>
    public static bool MatchesAll(TelemetryEvent ev, IReadOnlyList<HuntCondition> conditions)
    {
        foreach (HuntCondition condition in conditions)
        {
            if (!Matches(ev, condition))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True when a field of that name (any case) has a value passing the test; for a list, any item.
    /// Numbers and booleans compare as their text, as Sigma compares them. A missing or null field never matches.
    /// </summary>
    public static bool Matches(TelemetryEvent ev, HuntCondition condition)
    {
        foreach (EventField field in ev.Fields)
        {
            if (!string.Equals(field.Name, condition.Field, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (string text in Texts(field.Value))
            {
                if (Test(text, condition.Operator, condition.Value))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public static bool Test(string text, HuntOperator op, string value) => op switch
    {
        HuntOperator.Equals => string.Equals(text, value, StringComparison.OrdinalIgnoreCase),
        HuntOperator.Contains => text.Contains(value, StringComparison.OrdinalIgnoreCase),
        HuntOperator.StartsWith => text.StartsWith(value, StringComparison.OrdinalIgnoreCase),
        HuntOperator.EndsWith => text.EndsWith(value, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>The field's value as shown in a table cell, or null when the event has no such field.</summary>
    public static string? Text(TelemetryEvent ev, string name)
    {
        foreach (EventField field in ev.Fields)
        {
            if (string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return field.Value.Kind switch
                {
                    EventValueKind.Null => null,
                    EventValueKind.StringList => string.Join(", ", field.Value.Items),
                    _ => field.Value.ToString(),
                };
            }
        }

        return null;
    }

    /// <summary>Category, else service, else product: the most specific name of the event's kind.</summary>
    public static string Kind(TelemetryEvent ev) =>
        ev.Source.Category.Length > 0 ? ev.Source.Category
        : ev.Source.Service.Length > 0 ? ev.Source.Service
        : ev.Source.Product;

    public static bool IsOfType(TelemetryEvent ev, string? eventType) =>
        string.IsNullOrWhiteSpace(eventType)
        || string.Equals(ev.Source.Category, eventType.Trim(), StringComparison.OrdinalIgnoreCase)
        || string.Equals(ev.Source.Service, eventType.Trim(), StringComparison.OrdinalIgnoreCase)
        || string.Equals(ev.Source.Product, eventType.Trim(), StringComparison.OrdinalIgnoreCase);

    /// <summary>The columns for a query's rows: the condition fields, then the key fields, each once.</summary>
    public static IReadOnlyList<string> Columns(IReadOnlyList<HuntCondition> conditions)
    {
        var columns = new List<string>();
        foreach (string name in conditions.Select(c => c.Field).Concat(KeyFields))
        {
            if (!columns.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                columns.Add(name);
            }
        }

        return columns;
    }

    private static IEnumerable<string> Texts(EventValue value) => value.Kind switch
    {
        EventValueKind.Null => [],
        EventValueKind.StringList => value.Items,
        EventValueKind.String => [value.AsString],
        _ => [value.ToString()],
    };
}
