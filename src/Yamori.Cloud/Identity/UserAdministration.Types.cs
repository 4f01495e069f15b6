using System.Text;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Identity;

/// <summary>A user to create. Without a password, a one-time password is generated and returned once.</summary>
/// <param name="Tenant">Required for town roles; must be null for SOC roles.</param>
public sealed record NewUser(string Login, string DisplayName, Role Role, TenantId? Tenant, string? Password = null)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Login = ").Append(Login).Append(", DisplayName = ").Append(DisplayName).Append(", Role = ").Append(Role)
            .Append(", Tenant = ").Append(Tenant?.ToString() ?? "none").Append(", Password = ***");
        return true;
    }
}

/// <summary>A created user and, when generated, the one-time password to hand over once.</summary>
public sealed record CreatedUser(UserView User, string? OneTimePassword)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("User = ").Append(User).Append(", OneTimePassword = ***");
        return true;
    }
}

/// <summary>A reset password: the one-time password to hand over once.</summary>
public sealed record PasswordReset(UserView User, string OneTimePassword)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("User = ").Append(User).Append(", OneTimePassword = ***");
        return true;
    }
}

/// <summary>
/// The first operator's credentials, printed once by <c>yamori up</c>: a one-time password and the
/// TOTP secret (with its otpauth URI for a QR code).
/// </summary>
public sealed record BootstrapCredentials(UserView User, string Password, string TotpSecretBase32, string ProvisioningUri)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("User = ").Append(User).Append(", Password = ***, TotpSecretBase32 = ***, ProvisioningUri = ***");
        return true;
    }
}
