using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yamori.Cloud.Identity;

namespace Yamori.Server.Security;

/// <summary>
/// The one authentication scheme of the API: <c>Authorization: Bearer</c> with an API token
/// (<c>ymr_…</c>) or a session token, or the console's session cookie. The resolved
/// <see cref="Actor"/> travels with the request; every endpoint derives its tenant scope from it
/// and from nothing else (no tenant id from a query string is ever trusted).
/// </summary>
internal sealed class ActorAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IActorResolver resolver) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "yamori";
    public const string SessionCookie = "yamori_session";
    public const string ApiTokenPrefix = "ymr_";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = PresentedToken(Request);
        if (string.IsNullOrEmpty(token))
        {
            return AuthenticateResult.NoResult();
        }

        string? remote = Context.Connection.RemoteIpAddress?.ToString();
        Actor? actor = token.StartsWith(ApiTokenPrefix, StringComparison.Ordinal)
            ? await resolver.ResolveApiTokenAsync(token, remote, Context.RequestAborted)
            : await resolver.ResolveSessionAsync(token, remote, Context.RequestAborted);
        if (actor is null)
        {
            // Never echo the token: it may be a real one that expired.
            return AuthenticateResult.Fail("the credential is unknown, expired or revoked");
        }

        Context.Features.Set(actor);
        string? session = token.StartsWith(ApiTokenPrefix, StringComparison.Ordinal) ? null : token;
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ActorIdentity(actor, session, SchemeName)), SchemeName));
    }

    /// <summary>
    /// A browser asking for a console page without a live session goes to the sign-in page; the API
    /// and everything else get a plain 401.
    /// </summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (IsConsolePageRequest(Request))
        {
            string back = Request.PathBase + Request.Path + Request.QueryString;
            Response.Redirect($"/signin?returnUrl={Uri.EscapeDataString(back)}");
            return Task.CompletedTask;
        }

        return base.HandleChallengeAsync(properties);
    }

    private static bool IsConsolePageRequest(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) &&
        !request.Path.StartsWithSegments("/api") &&
        !request.Path.StartsWithSegments("/_blazor") &&
        request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The credential a request presents: the bearer token, else the session cookie. Sign-out and
    /// password change use this too, so they act on the very session that authenticated the request.
    /// </summary>
    internal static string? PresentedToken(HttpRequest request) => BearerToken(request) ?? request.Cookies[SessionCookie];

    private static string? BearerToken(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        return header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }
}

/// <summary>Access to the request's <see cref="Actor"/>.</summary>
public static class ActorHttpExtensions
{
    /// <summary>The authenticated caller. Endpoints run only after authorization, so it is always there.</summary>
    public static Actor Actor(this HttpContext http) =>
        http.Features.Get<Actor>() ?? throw new InvalidOperationException("no authenticated actor on this request");
}
