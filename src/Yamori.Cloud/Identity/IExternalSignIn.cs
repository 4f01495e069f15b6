namespace Yamori.Cloud.Identity;

/// <summary>
/// Seam for OIDC (and any other external identity provider), a later step. The intended flow: the
/// host runs the authorization-code flow, validates the ID token, and hands the verified claims to
/// an implementation, which maps the subject to a local <see cref="User"/> (linked by issuer and
/// subject, never by e-mail alone) and returns the same <see cref="SignInResult"/> the password path
/// does, so sessions, lockout, disabled accounts and the audit log apply unchanged. Role and tenant
/// stay local: an external provider proves who someone is, never what they may see.
/// </summary>
public interface IExternalSignIn
{
    /// <summary>The provider's name as configured (for audit entries and the sign-in page).</summary>
    string Provider { get; }

    /// <summary>Signs in the local user linked to a verified external identity.</summary>
    ValueTask<SignInResult> SignInAsync(ExternalIdentity identity, string? remoteAddress, CancellationToken cancellationToken = default);
}

/// <summary>A verified external identity: issuer and subject identify it; the rest is for display.</summary>
public sealed record ExternalIdentity(string Issuer, string Subject, string? Email, string? DisplayName);
