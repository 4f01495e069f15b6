using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.SocConsole.Views;

/// <summary>What to look for in the audit log. Times are instants (the page reads them as JST).</summary>
/// <param name="Actor">Matches the actor's id exactly or a part of its name (case-insensitive).</param>
/// <param name="Action">An action and its dotted children: <c>user</c> matches <c>user.create</c>.</param>
/// <param name="Page">0 is the newest page (for display; <paramref name="Before"/> decides what is read).</param>
/// <param name="Before">The <see cref="AuditResult.NextBefore"/> of the page before this one; null for the newest page.</param>
public sealed record AuditSearch(
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? Actor = null,
    string? Action = null,
    TenantId? Tenant = null,
    AuditOutcome? Outcome = null,
    int Page = 0,
    int PageSize = 50,
    long? Before = null);

/// <summary>One page of entries, newest first, with the town names the actor may see.</summary>
/// <param name="NextBefore">Where the next (older) page starts; null on the oldest page.</param>
public sealed record AuditResult(IReadOnlyList<AuditEntry> Entries, int Total, int Page, int PageSize, IReadOnlyDictionary<TenantId, string> Towns, long? NextBefore = null)
{
    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>A chain verification and when it finished.</summary>
public sealed record ChainCheck(AuditVerification Result, DateTimeOffset At);

/// <summary>
/// The audit log as <c>GET /audit</c> and <c>POST /audit/verify</c> give it: the log's own scope
/// rule (a town sees its own town's entries, never SOC-wide ones) and the chain verification for
/// SOC roles only, as the API's route policy has it.
/// </summary>
public sealed class AuditView(IAuditLog log, ITenancyStore tenancy, TimeProvider time)
{
    /// <summary>A verification this recent is shown as is; every visit re-walking a long chain would not scale.</summary>
    public static readonly TimeSpan VerificationMaxAge = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private Task<ChainCheck>? _check;

    /// <summary>
    /// The entries matching <paramref name="search"/>, newest first, one keyset page read from the
    /// log (all filters in its query), so a page costs the same however long the log grows.
    /// </summary>
    public async Task<AuditResult> SearchAsync(Actor actor, AuditSearch search, CancellationToken cancellationToken = default)
    {
        int size = Math.Clamp(search.PageSize, 1, 500);
        var query = new AuditQuery(
            search.From,
            search.To,
            ActionPrefix: string.IsNullOrWhiteSpace(search.Action) ? null : search.Action.Trim().ToLowerInvariant(),
            Tenant: search.Tenant,
            Limit: size,
            ActorText: string.IsNullOrWhiteSpace(search.Actor) ? null : search.Actor.Trim(),
            Outcome: search.Outcome,
            NewestFirst: true,
            BeforeSequence: search.Before);
        AuditPage page = await log.QueryAsync(actor.Scope, query, cancellationToken);
        long total = await log.CountAsync(actor.Scope, query, cancellationToken);
        IReadOnlyList<Tenant> towns = await tenancy.ListTenantsAsync(actor.Scope, cancellationToken);
        return new AuditResult(page.Entries, (int)Math.Min(total, int.MaxValue), Math.Max(0, search.Page), size, towns.ToDictionary(t => t.Id, t => t.Name), page.NextAfterSequence);
    }

    /// <summary>
    /// The chain verification (<c>yamori audit verify</c>) and when it ran, or null for town roles,
    /// to whom the API does not offer it. Visits share one walk of the chain: a result younger than
    /// <see cref="VerificationMaxAge"/> is reused unless <paramref name="fresh"/> asks for a new one.
    /// </summary>
    public async Task<ChainCheck?> VerifyAsync(Actor actor, bool fresh = false)
    {
        if (!TenantAccess.IsSoc(actor))
        {
            return null;
        }

        Task<ChainCheck> check;
        lock (_gate)
        {
            bool reuse = _check is { IsFaulted: false, IsCanceled: false } last &&
                (!last.IsCompleted || (!fresh && time.GetUtcNow() - last.Result.At < VerificationMaxAge));
            if (!reuse)
            {
                _check = Task.Run(async () => new ChainCheck(await log.VerifyAsync(), time.GetUtcNow()));
            }

            check = _check!;
        }

        return await check;
    }

}
