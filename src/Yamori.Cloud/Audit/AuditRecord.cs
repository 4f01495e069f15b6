using System.Text.RegularExpressions;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Audit;

/// <summary>How an audited action ended.</summary>
public enum AuditOutcome
{
    Succeeded = 1,

    /// <summary>Refused by a rule: no right, outside the scope, account locked.</summary>
    Denied = 2,

    /// <summary>Attempted and failed: wrong password or code, invalid input.</summary>
    Failed = 3,
}

/// <summary>
/// What a caller asks the audit log to record: who, what, on which object, with what outcome, from
/// where, and the object's state before and after. The log adds the time and the chain.
/// </summary>
/// <param name="ActorRole">The actor's role at the time; null when the actor is not known (a sign-in with an unknown login).</param>
/// <param name="Tenant">The tenant whose object was touched; null for SOC-wide objects (SOC users, global settings).</param>
/// <param name="Action">Dotted lower-case name, e.g. <c>user.create</c>, <c>incident.status</c>, <c>signin</c>.</param>
/// <param name="Before">JSON of the object before the change; never holds secrets.</param>
/// <param name="After">JSON of the object after the change; never holds secrets.</param>
/// <param name="Detail">Free text for a human (a reason, a refusal); never holds secrets.</param>
public sealed partial record AuditRecord(
    string ActorId,
    string ActorName,
    ActorKind ActorKind,
    Role? ActorRole,
    TenantId? Tenant,
    string Action,
    string? TargetType,
    string? TargetId,
    AuditOutcome Outcome,
    string? RemoteAddress,
    string? Before = null,
    string? After = null,
    string? Detail = null)
{
    /// <summary>A record of <paramref name="actor"/> doing <paramref name="action"/>, from the actor's remote address.</summary>
    public static AuditRecord For(
        Actor actor,
        string action,
        AuditOutcome outcome,
        TenantId? tenant,
        string? targetType = null,
        string? targetId = null,
        string? before = null,
        string? after = null,
        string? detail = null) =>
        new(actor.Id, actor.Name, actor.Kind, actor.Role, tenant, action, targetType, targetId, outcome, actor.RemoteAddress, before, after, detail);

    /// <summary>Checks the fields the log relies on.</summary>
    /// <exception cref="ArgumentException">A field is missing or malformed; the message names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrEmpty(ActorId))
        {
            throw new ArgumentException("audit record needs an actor id", nameof(ActorId));
        }

        if (ActorName is null)
        {
            throw new ArgumentException("audit record needs an actor name", nameof(ActorName));
        }

        if (Action is null || !ActionPattern().IsMatch(Action))
        {
            throw new ArgumentException($"audit action '{Action}' must be dotted lower-case words such as 'user.create'", nameof(Action));
        }

        if (!Enum.IsDefined(Outcome))
        {
            throw new ArgumentException($"audit outcome {(int)Outcome} is not defined", nameof(Outcome));
        }

        if (!Enum.IsDefined(ActorKind))
        {
            throw new ArgumentException($"actor kind {(int)ActorKind} is not defined", nameof(ActorKind));
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*$")]
    private static partial Regex ActionPattern();
}

/// <summary>A record as stored: its place in the chain, its time and the hashes that link it.</summary>
/// <param name="Sequence">1, 2, 3, … without holes.</param>
/// <param name="PreviousHash">The previous entry's <see cref="Hash"/>; 32 zero bytes for the first entry.</param>
/// <param name="Hash">SHA-256 over the entry's canonical encoding (see <see cref="AuditHash"/>).</param>
public sealed record AuditEntry(long Sequence, DateTimeOffset At, AuditRecord Record, byte[] PreviousHash, byte[] Hash)
{
    public string HashHex => Convert.ToHexStringLower(Hash);
}

/// <summary>
/// A filter over the audit log, paged by sequence (keyset): oldest first from
/// <see cref="AfterSequence"/>, or with <see cref="NewestFirst"/> backwards from
/// <see cref="BeforeSequence"/>, so a console page of the newest entries costs the same on a log of
/// a thousand entries or of ten million.
/// </summary>
/// <param name="From">Entries at or after this time.</param>
/// <param name="To">Entries before this time (exclusive).</param>
/// <param name="ActorId">The actor's id exactly.</param>
/// <param name="ActionPrefix">Matches the action itself and its dotted children: <c>user</c> matches <c>user.create</c>, not <c>users</c>.</param>
/// <param name="Tenant">Only entries about this tenant (a town scope sees only its own anyway).</param>
/// <param name="Limit">Page size, 1 to <see cref="MaxLimit"/>.</param>
/// <param name="ActorText">The actor's id exactly, or a part of its name (case-insensitive for ASCII).</param>
/// <param name="Outcome">Only entries with this outcome.</param>
/// <param name="NewestFirst">Descending sequence; pages continue from <see cref="BeforeSequence"/>.</param>
/// <param name="BeforeSequence">With <see cref="NewestFirst"/>: entries below this sequence (the last one seen).</param>
public sealed record AuditQuery(
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? ActorId = null,
    string? ActionPrefix = null,
    TenantId? Tenant = null,
    long AfterSequence = 0,
    int Limit = 100,
    string? ActorText = null,
    AuditOutcome? Outcome = null,
    bool NewestFirst = false,
    long? BeforeSequence = null)
{
    public const int MaxLimit = 1000;
}

/// <summary>
/// One page of entries in the query's order; <see cref="NextAfterSequence"/> (the last entry's
/// sequence: pass it as AfterSequence, or BeforeSequence when newest first) is null on the last page.
/// </summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, long? NextAfterSequence);

/// <summary>Why a chain is broken.</summary>
public enum AuditChainFault
{
    /// <summary>An entry's stored hash is not the hash of its content: a field was changed.</summary>
    HashMismatch = 1,

    /// <summary>An entry's previous-hash is not the hash of the entry before it: entries were replaced or reordered.</summary>
    PreviousHashMismatch = 2,

    /// <summary>A sequence number is missing: an entry was deleted.</summary>
    MissingSequence = 3,

    /// <summary>The first entry is not sequence 1 with the genesis previous-hash: the start was cut or replaced.</summary>
    UnexpectedFirstEntry = 4,
}

/// <summary>The result of checking the whole chain.</summary>
/// <param name="Count">Entries found good: on a valid chain all of them, on a broken one those before the fault.</param>
/// <param name="HeadHashHex">Hash of the last entry (valid chain); record it elsewhere to detect a cut tail later.</param>
/// <param name="BrokenAt">The first bad sequence (for <see cref="AuditChainFault.MissingSequence"/>, the first missing number).</param>
public sealed record AuditVerification(bool IsValid, long Count, string? HeadHashHex, long? BrokenAt, AuditChainFault? Fault, string? Reason)
{
    public static AuditVerification Valid(long count, string headHashHex) => new(true, count, headHashHex, null, null, null);

    public static AuditVerification Broken(long goodEntries, long sequence, AuditChainFault fault, string reason) =>
        new(false, goodEntries, null, sequence, fault, reason);
}
