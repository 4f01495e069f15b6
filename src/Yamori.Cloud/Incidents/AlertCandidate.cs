using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;

namespace Yamori.Cloud.Incidents;

/// <summary>
/// Something that should become (or merge into) an alert: a rule match on a stored event, a
/// telemetry gap, or any other cloud-side finding (segment policy crossings).
/// </summary>
/// <param name="Tags">The rule's Sigma tags (ATT&amp;CK techniques and tactics are read from them).</param>
/// <param name="EventId">The stored raw event, when there is one.</param>
/// <param name="Time">Event time (or detection time when there is no event).</param>
/// <param name="Mergeable">False for findings that must each stay visible on their own (every gap names its own range).</param>
public sealed record AlertCandidate(
    TenantId Tenant,
    DeviceId Device,
    string RuleId,
    string RuleTitle,
    SigmaLevel Level,
    IReadOnlyList<string> Tags,
    long? EventId,
    DateTimeOffset Time,
    string? User = null,
    string? Image = null,
    long? ProcessId = null,
    string? ProcessGuid = null,
    string? Detail = null,
    bool Mergeable = true);
