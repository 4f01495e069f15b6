using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Notifications;

/// <summary>
/// Each town's notification contacts. Town admins manage their own tenant's, SOC admins and analysts
/// any tenant's; town viewers only read. Reads outside the actor's scope return null or empty;
/// writes outside it throw <see cref="TenantScopeException"/>. Mutations return before/after
/// snapshots (without the secret) for the audit log.
/// </summary>
public interface IContactStore
{
    /// <exception cref="ArgumentException">A field is invalid (the message names it).</exception>
    /// <exception cref="ContactAccessDeniedException">The actor's role may not change contacts.</exception>
    /// <exception cref="TenantScopeException">The contact's tenant is outside the actor's scope.</exception>
    /// <exception cref="InvalidOperationException">The id is already taken.</exception>
    ValueTask<ContactChange> CreateAsync(Actor actor, NotificationContact contact, CancellationToken cancellationToken = default);

    /// <summary>Replaces a contact's fields; a null <see cref="NotificationContact.WebhookSecret"/> keeps the stored one.</summary>
    /// <returns>The change, or null when no such contact is visible to the actor.</returns>
    ValueTask<ContactChange?> UpdateAsync(Actor actor, NotificationContact contact, CancellationToken cancellationToken = default);

    /// <returns>The change, or null when no such contact is visible to the actor.</returns>
    ValueTask<ContactChange?> DeleteAsync(Actor actor, ContactId id, CancellationToken cancellationToken = default);

    /// <summary>The contact including its secret (the dispatcher signs with it); the API should return <see cref="NotificationContact.ToSnapshot"/>.</summary>
    ValueTask<NotificationContact?> GetAsync(TenantScope scope, ContactId id, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<NotificationContact>> ListAsync(TenantScope scope, CancellationToken cancellationToken = default);
}
