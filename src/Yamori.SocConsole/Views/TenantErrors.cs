using Yamori.Cloud;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Notifications;
using Yamori.Cloud.Tenancy;
using Yamori.SocConsole.Localization;

namespace Yamori.SocConsole.Views;

/// <summary>
/// Input the console checks itself before calling a store (as the API's endpoints do): the key of
/// the message in the UI's resources and the offending value.
/// </summary>
public sealed class TenantInputException : ArgumentException
{
    public TenantInputException(string key, string? value)
        : base($"{key}: {value}")
    {
        Key = key;
        Value = value;
    }

    public TenantInputException()
    {
        Key = "";
    }

    public TenantInputException(string message)
        : base(message)
    {
        Key = "";
    }

    public TenantInputException(string message, Exception innerException)
        : base(message, innerException)
    {
        Key = "";
    }

    /// <summary>A resource key whose text has one placeholder for <see cref="Value"/>.</summary>
    public string Key { get; }

    public string? Value { get; }
}

/// <summary>Turns the refusals of the admin screens' services into a line the page shows.</summary>
public static class TenantErrors
{
    /// <summary>
    /// True for the exceptions that mean "refused, nothing changed" (bad input, no right, a
    /// duplicate, another tenant's object): shown as a message, never as an error page.
    /// </summary>
    public static bool IsRefusal(Exception ex) => ex is ArgumentException or AccessDeniedException or DetectionAccessException
        or ContactAccessDeniedException or TenantScopeException or ConcurrentChangeException or InvalidOperationException;

    /// <summary>The message: the UI's own words for the console's checks, the service's reason (which names the field) otherwise.</summary>
    public static string Message(UiText text, Exception ex) => ex switch
    {
        TenantInputException input when input.Key.Length > 0 => text.Format(input.Key, input.Value),
        TenantScopeException => text["Tenants.Error.OtherTown"],
        _ => text.Format("Common.Error", ex.Message),
    };
}
