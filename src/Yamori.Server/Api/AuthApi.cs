using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yamori.Cloud.Identity;
using Yamori.Server.Security;

namespace Yamori.Server.Api;

/// <summary>
/// Sign-in with password then TOTP. A successful sign-in returns the session token in the body
/// (for API clients) and sets it as an HttpOnly, Secure, SameSite=Strict cookie (for the console).
/// </summary>
public static class AuthApi
{
    public static RouteGroupBuilder MapAuthApi(this RouteGroupBuilder api)
    {
        RouteGroupBuilder auth = api.MapGroup("/auth").WithTags("Sign-in");
        auth.MapPost("/signin", SignInAsync).AllowAnonymous().WithSummary("Step 1: login and password. May answer totpRequired or totpSetupRequired with a ticket.");
        auth.MapPost("/totp", TotpAsync).AllowAnonymous().WithSummary("Step 2: the ticket and a TOTP code (also confirms a first TOTP set-up).");
        auth.MapPost("/signout", SignOutAsync).WithSummary("End this session.");
        auth.MapGet("/me", (HttpContext http) => TypedResults.Ok(ActorDto.From(http.Actor()))).WithSummary("Who the caller is.");
        auth.MapPost("/password", ChangePasswordAsync).WithSummary("Change the signed-in user's password (ends their other sessions).");
        return api;
    }

    private static async Task<IResult> SignInAsync(SignInRequest request, HttpContext http, SignInService signIn, CancellationToken ct) =>
        ToResult(await signIn.SignInAsync(request.Login, request.Password, http.Connection.RemoteIpAddress?.ToString(), ct), http);

    private static async Task<IResult> TotpAsync(TotpRequest request, HttpContext http, SignInService signIn, CancellationToken ct) =>
        ToResult(await signIn.CompleteTotpAsync(request.Ticket, request.Code, http.Connection.RemoteIpAddress?.ToString(), ct), http);

    private static async Task<IResult> SignOutAsync(HttpContext http, SignInService signIn, CancellationToken ct)
    {
        string? token = ActorAuthentication.PresentedToken(http.Request);
        await signIn.SignOutAsync(token, http.Connection.RemoteIpAddress?.ToString(), ct);
        http.Response.Cookies.Delete(ActorAuthentication.SessionCookie);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ChangePasswordAsync(ChangePasswordRequest request, HttpContext http, SignInService signIn, CancellationToken ct)
    {
        string? token = ActorAuthentication.PresentedToken(http.Request);
        return await signIn.ChangePasswordAsync(http.Actor(), request.CurrentPassword, request.NewPassword, token, ct)
            ? TypedResults.NoContent()
            : Problems.Refused("password not changed", "CurrentPasswordWrong", "the current password is wrong");
    }

    private static IResult ToResult(SignInResult result, HttpContext http)
    {
        switch (result)
        {
            case SignInResult.Succeeded ok:
                http.Response.Cookies.Append(ActorAuthentication.SessionCookie, ok.SessionToken, new CookieOptions
                {
                    HttpOnly = true,
                    Secure = true,
                    SameSite = SameSiteMode.Strict,
                    Path = "/",
                });
                return TypedResults.Ok(new SignInResponse("signedIn", ok.SessionToken, null, null, null, ok.ExpiresAt, ActorDto.From(ok.Actor), ok.MustChangePassword));
            case SignInResult.TotpRequired totp:
                return TypedResults.Ok(new SignInResponse("totpRequired", null, totp.Ticket, null, null, totp.ExpiresAt, null, false));
            case SignInResult.TotpSetupRequired setup:
                return TypedResults.Ok(new SignInResponse("totpSetupRequired", null, setup.Ticket, setup.SecretBase32, setup.ProvisioningUri, setup.ExpiresAt, null, false));
            case SignInResult.LockedOut locked:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "locked out",
                    detail: $"too many failed attempts; try again after {locked.Until:O}",
                    extensions: new Dictionary<string, object?> { ["reason"] = "LockedOut", ["until"] = locked.Until });
            default:
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "sign-in failed", detail: "login, password or code is wrong");
        }
    }
}

public sealed record SignInRequest(string Login, string Password)
{
    public override string ToString() => $"SignInRequest {{ Login = {Login} }}";
}

public sealed record TotpRequest(string Ticket, string Code)
{
    public override string ToString() => "TotpRequest { *** }";
}

public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword)
{
    public override string ToString() => "ChangePasswordRequest { *** }";
}

/// <param name="Status">signedIn, totpRequired or totpSetupRequired.</param>
public sealed record SignInResponse(
    string Status, string? SessionToken, string? Ticket, string? TotpSecret, string? TotpUri, DateTimeOffset ExpiresAt, ActorDto? Actor, bool MustChangePassword)
{
    public override string ToString() => $"SignInResponse {{ Status = {Status}, Actor = {Actor} }}";
}

public sealed record ActorDto(string Id, string Name, string Kind, string Role, Guid? TenantId)
{
    public static ActorDto From(Actor a) => new(a.Id, a.Name, a.Kind.ToString(), a.Role.ToWire(), a.Tenant?.Value);
}
