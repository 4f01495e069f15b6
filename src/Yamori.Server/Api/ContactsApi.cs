using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yamori.Cloud.Notifications;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Security;

namespace Yamori.Server.Api;

/// <summary>A town's notification contacts and the record of every delivery attempt.</summary>
public static class ContactsApi
{
    public static RouteGroupBuilder MapContactsApi(this RouteGroupBuilder api)
    {
        RouteGroupBuilder tenant = api.MapGroup("/tenants/{tenantId:guid}").WithTags("Notifications");
        tenant.MapGet("/contacts", async (Guid tenantId, HttpContext http, ITenancyStore tenancy, IContactStore contacts, CancellationToken ct) =>
            await TenancyApi.VisibleTenantAsync(http, tenancy, tenantId, ct) is null
                ? Problems.NotFound()
                : TypedResults.Ok((await contacts.ListAsync(TenantScope.For(new TenantId(tenantId)), ct)).Select(c => c.ToSnapshot()).ToList()))
            .WithSummary("The town's contacts (webhook secrets are never shown).");
        tenant.MapPost("/contacts", CreateAsync).WithSummary("Register a contact: e-mail and/or webhook, minimum severity.");
        tenant.MapPut("/contacts/{contactId:guid}", UpdateAsync).WithSummary("Change a contact (omit webhookSecret to keep the stored one).");
        tenant.MapDelete("/contacts/{contactId:guid}", DeleteAsync).WithSummary("Remove a contact.");
        tenant.MapGet("/notifications", async (Guid tenantId, HttpContext http, ITenancyStore tenancy, INotificationOutbox outbox, CancellationToken ct) =>
            await TenancyApi.VisibleTenantAsync(http, tenancy, tenantId, ct) is null
                ? Problems.NotFound()
                : TypedResults.Ok(await outbox.ListAttemptsAsync(TenantScope.For(new TenantId(tenantId)), null, Paging.MaxLimit, ct)))
            .WithSummary("Every delivery attempt to the town's contacts, with its outcome and error.");
        return api;
    }

    private static async Task<IResult> CreateAsync(Guid tenantId, ContactRequest request, HttpContext http, ITenancyStore tenancy, IContactStore contacts, IChangeRecorder changes, CancellationToken ct)
    {
        if (await TenancyApi.VisibleTenantAsync(http, tenancy, tenantId, ct) is null)
        {
            return Problems.NotFound();
        }

        ContactChange change = await contacts.CreateAsync(http.Actor(), request.ToContact(ContactId.New(), new TenantId(tenantId)), ct);
        await changes.RecordAsync(http, "contact.create", new TenantId(tenantId), "contact", change.After!.Id.Value.ToString(), null, change.After, ct);
        return TypedResults.Created($"/api/v1/tenants/{tenantId}/contacts/{change.After.Id.Value}", change.After);
    }

    private static async Task<IResult> UpdateAsync(Guid tenantId, Guid contactId, ContactRequest request, HttpContext http, ITenancyStore tenancy, IContactStore contacts, IChangeRecorder changes, CancellationToken ct)
    {
        if (await TenancyApi.VisibleTenantAsync(http, tenancy, tenantId, ct) is null
            || await contacts.UpdateAsync(http.Actor(), request.ToContact(new ContactId(contactId), new TenantId(tenantId)), ct) is not { } change)
        {
            return Problems.NotFound();
        }

        await changes.RecordAsync(http, "contact.update", new TenantId(tenantId), "contact", contactId.ToString(), change.Before, change.After, ct);
        return TypedResults.Ok(change.After);
    }

    private static async Task<IResult> DeleteAsync(Guid tenantId, Guid contactId, HttpContext http, ITenancyStore tenancy, IContactStore contacts, IChangeRecorder changes, CancellationToken ct)
    {
        // The contact must be the route's town's: a SOC user must not delete town B's through town A's URL.
        if (await TenancyApi.VisibleTenantAsync(http, tenancy, tenantId, ct) is null
            || await contacts.GetAsync(TenantScope.For(new TenantId(tenantId)), new ContactId(contactId), ct) is null
            || await contacts.DeleteAsync(http.Actor(), new ContactId(contactId), ct) is not { } change)
        {
            return Problems.NotFound();
        }

        await changes.RecordAsync(http, "contact.delete", new TenantId(tenantId), "contact", contactId.ToString(), change.Before, null, ct);
        return TypedResults.NoContent();
    }
}

/// <summary>A contact as written by a town admin. The secret is write-only.</summary>
public sealed record ContactRequest(string Name, string? Email, Uri? WebhookUrl, string? WebhookSecret, Severity MinimumSeverity = Severity.Medium, bool Enabled = true)
{
    public NotificationContact ToContact(ContactId id, TenantId tenant) => new(id, tenant, Name, Email, WebhookUrl, WebhookSecret, MinimumSeverity, Enabled);

    public override string ToString() => $"ContactRequest {{ Name = {Name}, Email = {Email}, WebhookUrl = {WebhookUrl} }}";
}
