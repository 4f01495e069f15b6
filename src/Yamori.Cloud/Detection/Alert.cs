using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Detection;

/// <summary>
/// A rule that fired on a device. Repeated matches of the same rule on the same device within the
/// merge window update this alert (count, last seen, event links) instead of creating new ones.
/// </summary>
/// <param name="Id">Version-7 GUID, so ids sort by creation.</param>
/// <param name="Techniques">ATT&amp;CK technique ids from the rule's tags (T1059.001).</param>
/// <param name="Tactics">ATT&amp;CK tactic tags without the prefix (execution, defense-evasion).</param>
/// <param name="FirstSeen">Event time of the first matching event.</param>
/// <param name="LastSeen">Event time of the latest matching event.</param>
/// <param name="Count">Matching events merged into this alert (exact, even beyond <paramref name="EventIds"/>).</param>
/// <param name="EventIds">Ids of the first matching raw events (capped), links into the event store.</param>
/// <param name="User">The user the event names (User, SubjectUserName or TargetUserName), when any.</param>
/// <param name="Detail">Extra text for alerts not produced by a rule match (the missing range of a gap).</param>
/// <param name="CreatedAt">Cloud time the alert was first stored.</param>
public sealed record Alert(
    Guid Id,
    TenantId Tenant,
    DeviceId Device,
    string RuleId,
    string RuleTitle,
    SigmaLevel Level,
    IReadOnlyList<string> Techniques,
    IReadOnlyList<string> Tactics,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    long Count,
    IReadOnlyList<long> EventIds,
    string? User,
    string? Image,
    long? ProcessId,
    string? ProcessGuid,
    string? Detail,
    Guid? IncidentId,
    DateTimeOffset CreatedAt);

/// <summary>Well-known rule ids of alerts the cloud raises itself.</summary>
public static class BuiltInRules
{
    /// <summary>Batches of a device never arrived: part of its history is missing.</summary>
    public const string TelemetryIntegrityId = "yamori-telemetry-integrity";

    public const string TelemetryIntegrityTitle = "Telemetry integrity: batches missing";
}

/// <summary>Reads ATT&amp;CK ids from Sigma tags.</summary>
public static class AttackTags
{
    /// <summary><c>attack.t1059.001</c> → <c>T1059.001</c>.</summary>
    public static IReadOnlyList<string> Techniques(IReadOnlyList<string> tags)
    {
        var result = new List<string>();
        foreach (string tag in tags)
        {
            if (tag.Length > 8 && tag.StartsWith("attack.t", StringComparison.OrdinalIgnoreCase) && char.IsAsciiDigit(tag[8]))
            {
                string id = tag[7..].ToUpperInvariant();
                if (!result.Contains(id))
                {
                    result.Add(id);
                }
            }
        }

        return result;
    }

    /// <summary><c>attack.defense-evasion</c> → <c>defense-evasion</c> (group and software tags excluded).</summary>
    public static IReadOnlyList<string> Tactics(IReadOnlyList<string> tags)
    {
        var result = new List<string>();
        foreach (string tag in tags)
        {
            if (!tag.StartsWith("attack.", StringComparison.OrdinalIgnoreCase) || tag.Length <= 7)
            {
                continue;
            }

            string rest = tag[7..].ToLowerInvariant();
            bool isId = rest.Length > 1 && rest[0] is 't' or 'g' or 's' && char.IsAsciiDigit(rest[1]);
            if (!isId && !result.Contains(rest))
            {
                result.Add(rest);
            }
        }

        return result;
    }
}
