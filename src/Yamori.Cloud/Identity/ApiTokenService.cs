using System.Text.Json;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Identity;

/// <summary>
/// API tokens for automation: <c>ymr_</c> and 256 random bits, stored only as SHA-256, each with a
/// role and (for town roles) a tenant. soc-admin creates any token; town-admin creates tokens of
/// town roles for their own town only. Creation and revocation are audit-logged.
/// </summary>
public sealed class ApiTokenService(IApiTokenStore tokens, IAuditLog audit, TimeProvider clock, IUserStore? users = null)
{
    /// <summary>The prefix that lets secret scanners recognise a leaked token.</summary>
    public const string Prefix = "ymr_";

    private const int MaxNameLength = 100;

    /// <summary>Creates a token and returns its secret, the only time it is available.</summary>
    /// <exception cref="AccessDeniedException">The creator's role may not create this token.</exception>
    /// <exception cref="ArgumentException">Name, role, tenant or expiry is invalid (the message names it).</exception>
    public async ValueTask<IssuedApiToken> CreateApiTokenAsync(
        Actor creator,
        string name,
        Role role,
        TenantId? tenant,
        DateTimeOffset? expiresAt,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(creator);
        DateTimeOffset now = clock.GetUtcNow();
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            throw new ArgumentException($"name must be 1 to {MaxNameLength} printable characters", nameof(name));
        }

        if (!Enum.IsDefined(role))
        {
            throw new ArgumentException($"role {(int)role} is not a role", nameof(role));
        }

        if (role.SeesAllTenants() && tenant is not null)
        {
            throw new ArgumentException($"a {role.ToWire()} token has no tenant", nameof(tenant));
        }

        if (!role.SeesAllTenants() && tenant is null)
        {
            throw new ArgumentException($"a {role.ToWire()} token needs a tenant", nameof(tenant));
        }

        if (expiresAt is { } e && e <= now)
        {
            throw new ArgumentException("expiry must be in the future", nameof(expiresAt));
        }

        string? refusal = creator switch
        {
            { Kind: ActorKind.ApiToken } => "an API token cannot create API tokens",
            { Role: Role.SocAdmin } => null,
            { Role: Role.TownAdmin } when role.SeesAllTenants() => "only soc-admin may create SOC-role tokens",
            { Role: Role.TownAdmin } when tenant != creator.Tenant => "town-admin may create tokens only for their own town",
            { Role: Role.TownAdmin } => null,
            _ => $"{creator.Role.ToWire()} may not create API tokens",
        };
        if (refusal is not null)
        {
            // Filed under the creator's own town, never the one it reached for: that town must not
            // learn who tried.
            await audit.AppendAsync(AuditRecord.For(creator, "apitoken.create", AuditOutcome.Denied, creator.Tenant, "apitoken", null, detail: refusal), cancellationToken);
            throw new AccessDeniedException(refusal);
        }

        (string secret, byte[] hash) = OpaqueToken.Generate(Prefix);
        var token = new ApiToken(ApiTokenId.New(), name, role, tenant, creator.Id, now, expiresAt, null, null);
        await tokens.CreateAsync(creator.Scope, token, hash, cancellationToken);
        await audit.AppendAsync(
            AuditRecord.For(creator, "apitoken.create", AuditOutcome.Succeeded, tenant, "apitoken", token.Id.ToString(), after: Json(token)), cancellationToken);
        return new IssuedApiToken(token, secret);
    }

    /// <summary>Tokens visible to the actor (a town sees its own; the SOC all). Any role may list; secrets are never listed.</summary>
    public ValueTask<IReadOnlyList<ApiToken>> ListApiTokensAsync(Actor actor, CancellationToken cancellationToken = default) =>
        tokens.ListAsync(actor.Scope, cancellationToken);

    /// <summary>The token, or null when it is not visible to the actor.</summary>
    public ValueTask<ApiToken?> GetApiTokenAsync(Actor actor, ApiTokenId id, CancellationToken cancellationToken = default) =>
        tokens.GetAsync(actor.Scope, id, cancellationToken);

    /// <summary>Revokes a token; false when it is not visible to the actor.</summary>
    /// <exception cref="AccessDeniedException">The actor's role may not revoke tokens.</exception>
    public async ValueTask<bool> RevokeApiTokenAsync(Actor actor, ApiTokenId id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ApiToken? before = await tokens.GetAsync(actor.Scope, id, cancellationToken);
        if (actor.Role is not (Role.SocAdmin or Role.TownAdmin))
        {
            string reason = $"{actor.Role.ToWire()} may not revoke API tokens";
            await audit.AppendAsync(
                AuditRecord.For(actor, "apitoken.revoke", AuditOutcome.Denied, before?.Tenant, "apitoken", before is null ? null : id.ToString(), detail: reason), cancellationToken);
            throw new AccessDeniedException(reason);
        }

        if (before is null || !await tokens.RevokeAsync(actor.Scope, id, clock.GetUtcNow(), cancellationToken))
        {
            return false;
        }

        ApiToken? after = await tokens.GetAsync(actor.Scope, id, cancellationToken);
        await audit.AppendAsync(
            AuditRecord.For(actor, "apitoken.revoke", AuditOutcome.Succeeded, before.Tenant, "apitoken", id.ToString(), Json(before), after is null ? null : Json(after)),
            cancellationToken);
        return true;
    }

    /// <summary>
    /// The actor a presented token stands for (<see cref="ActorKind.ApiToken"/>, the token's id,
    /// name, role and tenant), or null when the token is unknown, revoked or expired. Records its use.
    /// </summary>
    public async ValueTask<Actor?> ValidateApiTokenAsync(string? token, string? remoteAddress, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        byte[]? hash = OpaqueToken.TryHash(Prefix, token);
        ApiToken? found = hash is null ? null : await tokens.UseAsync(hash, now, cancellationToken);
        if (found is null || !await CreatorStillEntitledAsync(found, cancellationToken))
        {
            return null;
        }

        return new Actor(found.Id.ToString(), found.Name, ActorKind.ApiToken, found.Role, found.Tenant, remoteAddress);
    }

    /// <summary>
    /// A token is worth no more than its creator today: disabled, deleted, demoted or moved to
    /// another town, the creator's tokens stop working (an admin who left keeps nothing).
    /// </summary>
    private async ValueTask<bool> CreatorStillEntitledAsync(ApiToken token, CancellationToken cancellationToken)
    {
        if (users is null || !UserId.TryParse(token.CreatedBy, out UserId creatorId))
        {
            return users is null;
        }

        User? creator = await users.FindByIdAsync(creatorId, cancellationToken);
        return creator is { Disabled: false } &&
            (creator.Role == Role.SocAdmin || (creator.Role == Role.TownAdmin && creator.Tenant == token.Tenant && !token.Role.SeesAllTenants()));
    }

    private static string Json(ApiToken t) => JsonSerializer.Serialize(new
    {
        id = t.Id.ToString(),
        name = t.Name,
        role = t.Role.ToWire(),
        tenant = t.Tenant?.ToString(),
        createdBy = t.CreatedBy,
        expiresAt = t.ExpiresAt,
        revokedAt = t.RevokedAt,
    });
}
