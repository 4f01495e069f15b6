using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Notifications;
using Yamori.Cloud.Tenancy;
using Yamori.SocConsole.Session;

namespace Yamori.SocConsole.Views;

/// <summary>An enrollment token as listed and audited: never its secret (the API's DTO).</summary>
public sealed record TokenRow(Guid Id, Guid TenantId, Guid SegmentId, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, int MaxUses, int UsesLeft, string CreatedBy)
{
    public static TokenRow From(EnrollmentToken t) => new(t.Id.Value, t.Tenant.Value, t.Segment.Value, t.CreatedAt, t.ExpiresAt, t.MaxUses, t.UsesLeft, t.CreatedBy);
}

/// <summary>A token just created: the secret, shown once, and the CA fingerprint the agent pins.</summary>
public sealed record CreatedToken(TokenRow Token, string Secret, string CaSha256)
{
    // The secret is a credential: keep it out of logs and exception messages.
    public override string ToString() => $"CreatedToken {{ Token = {Token} }}";
}

/// <summary>A segment as audited (the API's DTO shape).</summary>
public sealed record SegmentRow(Guid Id, Guid TenantId, string Kind, string Name, IReadOnlyList<string> Cidrs)
{
    public static SegmentRow From(Segment s) => new(s.Id.Value, s.Tenant.Value, s.Kind.ToString(), s.Name, s.Cidrs.Select(c => c.ToString()).ToList());
}

/// <summary>A town as audited (the API's DTO shape).</summary>
public sealed record TownRow(Guid Id, string Code, string Name, int RetentionDays, DateTimeOffset CreatedAt)
{
    public static TownRow From(Tenant t) => new(t.Id.Value, t.Code.Value, t.Name, t.EventRetentionDays, t.CreatedAt);
}

/// <summary>One town's page. <paramref name="Tokens"/> is null when the role may not manage tokens (the API's admin gate).</summary>
public sealed record TownDetail(Tenant Town, IReadOnlyList<Segment> Segments, IReadOnlyList<TokenRow>? Tokens, IReadOnlyList<ContactSnapshot> Contacts);

/// <summary>
/// Towns, segments, enrollment tokens and contacts through the same stores and checks as the
/// tenancy, enrollment and contacts APIs, with their audit action names.
/// </summary>
public sealed class TenantsView(
    ITenancyStore tenancy,
    IEnrollmentTokenStore tokens,
    EnrollmentService enrollment,
    CloudCertificateAuthority authority,
    IContactStore contacts,
    TenantAccess access,
    ConsoleAudit audit,
    TimeProvider time)
{
    public Task<IReadOnlyList<Tenant>> ListTownsAsync(Actor actor, CancellationToken cancellationToken = default) =>
        tenancy.ListTenantsAsync(actor.Scope, cancellationToken).AsTask();

    /// <summary>Registers a town (soc-admin); audited as <c>tenant.create</c>.</summary>
    /// <exception cref="TenantInputException">Code, name or retention is invalid.</exception>
    /// <exception cref="InvalidOperationException">The code is already registered.</exception>
    public async Task<Tenant> CreateTownAsync(Actor actor, string? code, string? name, int retentionDays, CancellationToken cancellationToken = default)
    {
        await access.RequireSocAdminAsync(actor, "register towns", cancellationToken);
        if (!MunicipalityCode.TryParse(code?.Trim(), out MunicipalityCode parsed, out string? error))
        {
            throw new TenantInputException("Tenants.Error.Code", error);
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            throw new TenantInputException("Tenants.Error.NameRequired", value: null);
        }

        if (retentionDays is < 1 or > 3650)
        {
            throw new TenantInputException("Tenants.Error.Retention", retentionDays.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var tenant = new Tenant(TenantId.New(), parsed, name.Trim(), retentionDays, time.GetUtcNow());
        await tenancy.CreateTenantAsync(actor.Scope, tenant, cancellationToken);
        await audit.RecordAsync(actor, "tenant.create", tenant.Id, "tenant", tenant.Id.ToString(), null, TownRow.From(tenant), cancellationToken);
        return tenant;
    }

    /// <summary>The town's page, or null when the actor may not see the town (as for an unknown id).</summary>
    public async Task<TownDetail?> GetTownAsync(Actor actor, TenantId id, CancellationToken cancellationToken = default)
    {
        if (await access.VisibleTownAsync(actor, id, cancellationToken) is not { } town)
        {
            return null;
        }

        TenantScope scope = TenantScope.For(town.Id);
        IReadOnlyList<Segment> segments = await tenancy.ListSegmentsAsync(scope, cancellationToken);
        IReadOnlyList<TokenRow>? list = TenantAccess.IsAdmin(actor)
            ? (await tokens.ListAsync(scope, cancellationToken)).OrderByDescending(t => t.CreatedAt).Select(TokenRow.From).ToList()
            : null;
        IReadOnlyList<NotificationContact> all = await contacts.ListAsync(scope, cancellationToken);
        return new TownDetail(town, segments.OrderBy(s => s.Kind).ThenBy(s => s.Name, StringComparer.Ordinal).ToList(), list, all.Select(c => c.ToSnapshot()).ToList());
    }

    /// <summary>Creates or changes a segment (admins); audited as <c>segment.put</c>. Null when the town is not visible.</summary>
    /// <param name="cidrs">CIDRs separated by commas, spaces or new lines.</param>
    /// <exception cref="TenantInputException">The name is empty or a CIDR does not parse; nothing is saved.</exception>
    public async Task<Segment?> PutSegmentAsync(Actor actor, TenantId town, SegmentId? id, SegmentKind kind, string? name, string? cidrs, CancellationToken cancellationToken = default)
    {
        if (await access.VisibleTownAsync(actor, town, cancellationToken) is null)
        {
            return null;
        }

        await access.RequireAdminAsync(actor, "change segments", cancellationToken);
        if (!Enum.IsDefined(kind))
        {
            throw new TenantInputException("Tenants.Error.Kind", kind.ToString());
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            throw new TenantInputException("Tenants.Error.NameRequired", value: null);
        }

        var networks = new List<IPNetwork>();
        foreach (string text in (cidrs ?? "").Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!IPNetwork.TryParse(text, out IPNetwork network))
            {
                throw new TenantInputException("Tenants.Error.Cidr", text);
            }

            networks.Add(network);
        }

        TenantScope scope = TenantScope.For(town);
        SegmentId segmentId = id ?? SegmentId.New();
        Segment? before = (await tenancy.ListSegmentsAsync(scope, cancellationToken)).FirstOrDefault(s => s.Id == segmentId);
        var segment = new Segment(segmentId, town, kind, name.Trim(), networks);
        await tenancy.UpsertSegmentAsync(actor.Scope, segment, cancellationToken);
        await audit.RecordAsync(actor, "segment.put", town, "segment", segmentId.ToString(), before is null ? null : SegmentRow.From(before), SegmentRow.From(segment), cancellationToken);
        return segment;
    }

    /// <summary>Creates an enrollment token; the secret is in the result only. Audited as <c>enrollment-token.create</c>. Null when the town is not visible.</summary>
    /// <exception cref="TenantInputException">Uses or lifetime out of range, or the segment is not the town's.</exception>
    public async Task<CreatedToken?> CreateTokenAsync(Actor actor, TenantId town, SegmentId segment, int lifetimeHours, int maxUses, CancellationToken cancellationToken = default)
    {
        if (await access.VisibleTownAsync(actor, town, cancellationToken) is null)
        {
            return null;
        }

        await access.RequireAdminAsync(actor, "manage enrollment tokens", cancellationToken);
        if (maxUses is < 1 or > 10_000)
        {
            throw new TenantInputException("Tenants.Error.Uses", maxUses.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (lifetimeHours is < 1 or > 24 * 90)
        {
            throw new TenantInputException("Tenants.Error.Lifetime", lifetimeHours.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        IssuedEnrollmentToken issued;
        try
        {
            issued = await enrollment.CreateTokenAsync(actor.Scope, town, segment, TimeSpan.FromHours(lifetimeHours), maxUses, actor.Name, cancellationToken);
        }
        catch (TenantScopeException)
        {
            throw new TenantInputException("Tenants.Error.Segment", segment.ToString());
        }

        TokenRow row = TokenRow.From(issued.Token);
        await audit.RecordAsync(actor, "enrollment-token.create", town, "enrollment-token", issued.Token.Id.ToString(), null, row, cancellationToken);
        using X509Certificate2 ca = authority.Certificate;
        return new CreatedToken(row, issued.Secret, ca.GetCertHashString(HashAlgorithmName.SHA256));
    }

    /// <summary>Withdraws a token; audited as <c>enrollment-token.delete</c>. False when the town or token is not visible.</summary>
    public async Task<bool> RevokeTokenAsync(Actor actor, TenantId town, Guid tokenId, CancellationToken cancellationToken = default)
    {
        if (await access.VisibleTownAsync(actor, town, cancellationToken) is null)
        {
            return false;
        }

        await access.RequireAdminAsync(actor, "manage enrollment tokens", cancellationToken);
        if (!await tokens.DeleteAsync(TenantScope.For(town), new EnrollmentTokenId(tokenId), cancellationToken))
        {
            return false;
        }

        await audit.RecordAsync(actor, "enrollment-token.delete", town, "enrollment-token", tokenId.ToString(), new { exists = true }, null, cancellationToken);
        return true;
    }

    /// <summary>Registers a contact (the store decides who may); audited as <c>contact.create</c>. Null when the town is not visible.</summary>
    /// <exception cref="ArgumentException">A field is invalid; the message names it.</exception>
    public async Task<ContactSnapshot?> AddContactAsync(
        Actor actor, TenantId town, string? name, string? email, string? webhookUrl, string? webhookSecret, Severity minimum, CancellationToken cancellationToken = default)
    {
        if (await access.VisibleTownAsync(actor, town, cancellationToken) is null)
        {
            return null;
        }

        Uri? url = null;
        if (!string.IsNullOrWhiteSpace(webhookUrl) && !Uri.TryCreate(webhookUrl.Trim(), UriKind.Absolute, out url))
        {
            throw new TenantInputException("Tenants.Error.Url", webhookUrl);
        }

        var contact = new NotificationContact(
            ContactId.New(), town, name?.Trim() ?? "", Blank(email), url, Blank(webhookSecret), minimum, Enabled: true);
        ContactChange change;
        try
        {
            change = await contacts.CreateAsync(actor, contact, cancellationToken);
        }
        catch (ContactAccessDeniedException ex)
        {
            await access.RecordRefusalAsync(actor, "add contacts", ex.Message, CancellationToken.None);
            throw;
        }

        await audit.RecordAsync(actor, "contact.create", town, "contact", change.After!.Id.Value.ToString(), null, change.After, cancellationToken);
        return change.After;
    }

    /// <summary>Removes a contact of this town; audited as <c>contact.delete</c>. False when the town or contact is not visible.</summary>
    public async Task<bool> RemoveContactAsync(Actor actor, TenantId town, Guid contactId, CancellationToken cancellationToken = default)
    {
        // The contact must be this town's: a SOC user must not delete town B's through town A's page.
        if (await access.VisibleTownAsync(actor, town, cancellationToken) is null
            || await contacts.GetAsync(TenantScope.For(town), new ContactId(contactId), cancellationToken) is null
            || await DeleteContactAsync(actor, new ContactId(contactId), cancellationToken) is not { } change)
        {
            return false;
        }

        await audit.RecordAsync(actor, "contact.delete", town, "contact", contactId.ToString(), change.Before, null, cancellationToken);
        return true;
    }

    private async Task<ContactChange?> DeleteContactAsync(Actor actor, ContactId id, CancellationToken cancellationToken)
    {
        try
        {
            return await contacts.DeleteAsync(actor, id, cancellationToken);
        }
        catch (ContactAccessDeniedException ex)
        {
            await access.RecordRefusalAsync(actor, "remove contacts", ex.Message, CancellationToken.None);
            throw;
        }
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
