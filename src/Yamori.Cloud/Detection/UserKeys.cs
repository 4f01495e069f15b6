namespace Yamori.Cloud.Detection;

/// <summary>
/// Which user names tie alerts of different devices together. Built-in service accounts run on
/// every Windows machine, so correlating on them would fold a whole town into one incident.
/// </summary>
public static class UserKeys
{
    private static readonly HashSet<string> ServiceAccounts = new(StringComparer.OrdinalIgnoreCase)
    {
        "system", "local system", "localsystem", "local service", "network service", "anonymous logon",
        "s-1-5-18", "s-1-5-19", "s-1-5-20", "-", "n/a", "",
    };

    /// <summary>The correlation key of a user name (lower case), or null for service and machine accounts.</summary>
    public static string? For(string? user)
    {
        if (user is null)
        {
            return null;
        }

        string trimmed = user.Trim();
        int slash = trimmed.LastIndexOf('\\');
        string account = slash >= 0 ? trimmed[(slash + 1)..] : trimmed;
        if (ServiceAccounts.Contains(account) || account.EndsWith('$') || account.StartsWith("dwm-", StringComparison.OrdinalIgnoreCase) ||
            account.StartsWith("umfd-", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return trimmed.ToLowerInvariant();
    }
}
