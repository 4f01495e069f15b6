using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Audit;

/// <summary>
/// The append-only, hash-chained audit log: every sign-in and every change a person or token makes.
/// Entries are never updated or deleted; each links to the previous one by hash, so a changed,
/// removed or reordered entry is found by <see cref="VerifyAsync"/>.
/// </summary>
public interface IAuditLog
{
    /// <summary>Appends a record at the log's current time and returns the stored entry.</summary>
    /// <exception cref="ArgumentException">The draft is malformed (the message names the field).</exception>
    ValueTask<AuditEntry> AppendAsync(AuditRecord draft, CancellationToken cancellationToken = default);

    /// <summary>Walks the whole chain and reports the first fault, or the count and head hash.</summary>
    ValueTask<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Entries visible in <paramref name="scope"/>: a town sees only entries about its own tenant,
    /// never SOC-wide entries (null tenant); the SOC sees all.
    /// </summary>
    /// <exception cref="ArgumentException">The limit is out of range.</exception>
    ValueTask<AuditPage> QueryAsync(TenantScope scope, AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>How many entries in <paramref name="scope"/> match <paramref name="query"/>'s filters (paging fields ignored).</summary>
    ValueTask<long> CountAsync(TenantScope scope, AuditQuery query, CancellationToken cancellationToken = default);
}
