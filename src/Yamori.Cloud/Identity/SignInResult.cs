using System.Text;

namespace Yamori.Cloud.Identity;

/// <summary>
/// What a sign-in step produced. Switch on the type. Tokens, tickets and secrets never appear in
/// <see cref="object.ToString"/>.
/// </summary>
public abstract record SignInResult
{
    private SignInResult()
    {
    }

    /// <summary>Signed in: the session token (give it to the client once, e.g. as a cookie) and who they are.</summary>
    /// <param name="MustChangePassword">The password is a one-time one; the client must change it before anything else.</param>
    public sealed record Succeeded(string SessionToken, Actor Actor, bool MustChangePassword, DateTimeOffset ExpiresAt) : SignInResult
    {
        protected override bool PrintMembers(StringBuilder builder)
        {
            builder.Append("SessionToken = ***, Actor = ").Append(Actor).Append(", MustChangePassword = ").Append(MustChangePassword)
                .Append(", ExpiresAt = ").Append(ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }
    }

    /// <summary>The password was right; send the ticket back with a TOTP code (<see cref="SignInService.CompleteTotpAsync"/>).</summary>
    public sealed record TotpRequired(string Ticket, DateTimeOffset ExpiresAt) : SignInResult
    {
        protected override bool PrintMembers(StringBuilder builder)
        {
            builder.Append("Ticket = ***, ExpiresAt = ").Append(ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }
    }

    /// <summary>
    /// The password was right but the account has no second factor and its role requires one:
    /// show the secret (and the URI as a QR code); a valid code with the ticket enables it and signs in.
    /// </summary>
    public sealed record TotpSetupRequired(string Ticket, string SecretBase32, string ProvisioningUri, DateTimeOffset ExpiresAt) : SignInResult
    {
        protected override bool PrintMembers(StringBuilder builder)
        {
            builder.Append("Ticket = ***, SecretBase32 = ***, ProvisioningUri = ***, ExpiresAt = ")
                .Append(ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }
    }

    /// <summary>Too many failures: no attempt is checked until <paramref name="Until"/>.</summary>
    public sealed record LockedOut(DateTimeOffset Until) : SignInResult;

    /// <summary>
    /// Wrong login, password, code or ticket, or a disabled account: deliberately the same result
    /// for all, so the response tells nothing about which.
    /// </summary>
    public sealed record Failed : SignInResult
    {
        public static Failed Instance { get; } = new();
    }
}
