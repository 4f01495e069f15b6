namespace Yamori.SocConsole.Localization;

/// <summary>Return addresses after sign-in or a language switch: local paths only, never another site.</summary>
public static class LocalUrl
{
    /// <summary>
    /// <paramref name="url"/> when it is a path on this site; otherwise the dashboard. Refused:
    /// absolute and protocol-relative URLs (<c>//evil</c>), backslashes (which browsers read as
    /// slashes) and control characters or spaces (which browsers strip before parsing).
    /// </summary>
    public static string OrHome(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal) &&
        !url.Contains("://", StringComparison.Ordinal) && !url.Contains('\\', StringComparison.Ordinal) &&
        !url.AsSpan().ContainsAnyInRange('\0', ' ')
            ? url
            : "/";
}
