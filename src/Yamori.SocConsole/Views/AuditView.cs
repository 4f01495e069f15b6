using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.SocConsole.Views;

/// <summary>What to look for in the audit log. Times are instants (the page reads them as JST).</summary>
/// <param name="Actor">Matches the actor's id exactly or a part of its name (case-insensitive).</param>
/// <param name="Action">An action and its dotted children: <c>user</c> matches <c>user.create</c>.</param>
/// <param name="Page">0 is the newest page.</param>
public sealed record AuditSearch(
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? Actor = null,
    string? Action = null,
    TenantId? Tenant = null,
    AuditOutcome? Outcome = null,
    int Page = 0,
    int PageSize = 50);

/// <summary>One page of entries, newest first, with the town names the actor may see.</summary>
public sealed record AuditResult(IReadOnlyList<AuditEntry> Entries, int Total, int Page, int PageSize, IReadOnlyDictionary<TenantId, string> Towns)
{
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>
/// The audit log as <c>GET /audit</c> and <c>POST /audit/verify</c> give it: the log's own scope
/// rule (a town sees its own town's entries, never SOC-wide ones) and the chain verification for
/// SOC roles only, as the API's route policy has it.
/// </summary>
public sealed class AuditView(IAuditLog log, ITenancyStore tenancy)
{
    private const int Batch = AuditQuery.MaxLimit;

    /// <summary>
    /// The entries matching <paramref name="search"/>, newest first. The log pages oldest first
    /// only, so this walks the matching entries once and keeps the newest pages it needs.
    /// </summary>
    public async Task<AuditResult> SearchAsync(Actor actor, AuditSearch search, CancellationToken cancellationToken = default)
    {
        int size = Math.Clamp(search.PageSize, 1, 500);
        int page = Math.Max(0, search.Page);
        int keep = (page + 1) * size;
        string? action = string.IsNullOrWhiteSpace(search.Action) ? null : search.Action.Trim().ToLowerInvariant();
        string? who = string.IsNullOrWhiteSpace(search.Actor) ? null : search.Actor.Trim();
        var newest = new Queue<AuditEntry>(keep + 1);
        int total = 0;
        long after = 0;
        while (true)
        {
            AuditPage batch = await log.QueryAsync(actor.Scope, new AuditQuery(search.From, search.To, null, action, search.Tenant, after, Batch), cancellationToken);
            foreach (AuditEntry entry in batch.Entries)
            {
                if (Matches(entry.Record, who, search.Outcome))
                {
                    total++;
                    newest.Enqueue(entry);
                    if (newest.Count > keep)
                    {
                        newest.Dequeue();
                    }
                }
            }

            if (batch.NextAfterSequence is not { } next)
            {
                break;
            }

            after = next;
        }

        // The queue holds the newest `keep` entries oldest first; the asked page is the oldest `size` of them reversed.
        int onPage = Math.Max(0, Math.Min(size, total - (page * size)));
        List<AuditEntry> entries = newest.Take(onPage).Reverse().ToList();
        IReadOnlyList<Tenant> towns = await tenancy.ListTenantsAsync(actor.Scope, cancellationToken);
        return new AuditResult(entries, total, page, size, towns.ToDictionary(t => t.Id, t => t.Name));
    }

    /// <summary>The chain verification (<c>yamori audit verify</c>), or null for town roles, to whom the API does not offer it.</summary>
    public async Task<AuditVerification?> VerifyAsync(Actor actor, CancellationToken cancellationToken = default) =>
        TenantAccess.IsSoc(actor) ? await log.VerifyAsync(cancellationToken) : null;

    private static bool Matches(AuditRecord record, string? who, AuditOutcome? outcome) =>
        (outcome is null || record.Outcome == outcome)
        && (who is null || record.ActorId == who || record.ActorName.Contains(who, StringComparison.OrdinalIgnoreCase));
}
