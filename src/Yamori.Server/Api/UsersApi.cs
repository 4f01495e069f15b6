using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Security;

namespace Yamori.Server.Api;

/// <summary>People and API tokens. The identity services decide who may manage whom and audit every change.</summary>
public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder api)
    {
        RouteGroupBuilder users = api.MapGroup("/users").WithTags("Users");
        users.MapGet("/", async (HttpContext http, UserAdministration admin, CancellationToken ct) =>
            TypedResults.Ok((await admin.ListUsersAsync(http.Actor(), ct)).Select(UserDto.From).ToList())).WithSummary("Users visible to the caller.");
        users.MapGet("/{userId:guid}", async (Guid userId, HttpContext http, UserAdministration admin, CancellationToken ct) =>
            await admin.GetUserAsync(http.Actor(), new UserId(userId), ct) is { } u ? TypedResults.Ok(UserDto.From(u)) : Problems.NotFound()).WithSummary("One user.");
        users.MapPost("/", CreateAsync).RequireAuthorization(Policies.Admin).WithSummary("Create a user; the one-time password is in this response only.");
        users.MapPost("/{userId:guid}/disable", (Guid userId, HttpContext http, UserAdministration admin, CancellationToken ct) => SetDisabled(userId, true, http, admin, ct))
            .RequireAuthorization(Policies.Admin).WithSummary("Disable the user and end their sessions.");
        users.MapPost("/{userId:guid}/enable", (Guid userId, HttpContext http, UserAdministration admin, CancellationToken ct) => SetDisabled(userId, false, http, admin, ct))
            .RequireAuthorization(Policies.Admin).WithSummary("Enable the user again.");
        users.MapPost("/{userId:guid}/reset-password", async (Guid userId, HttpContext http, UserAdministration admin, CancellationToken ct) =>
            await admin.ResetPasswordAsync(http.Actor(), new UserId(userId), ct) is { } r ? TypedResults.Ok(new OneTimePasswordDto(UserDto.From(r.User), r.OneTimePassword)) : Problems.NotFound())
            .RequireAuthorization(Policies.Admin).WithSummary("Set a one-time password (shown once) that must be changed at next sign-in.");
        users.MapPost("/{userId:guid}/reset-totp", async (Guid userId, HttpContext http, UserAdministration admin, CancellationToken ct) =>
            await admin.ResetTotpAsync(http.Actor(), new UserId(userId), ct) is { } u ? TypedResults.Ok(UserDto.From(u)) : Problems.NotFound())
            .RequireAuthorization(Policies.Admin).WithSummary("Remove the user's second factor (they set up a new one at next sign-in).");
        users.MapPut("/{userId:guid}/role", ChangeRoleAsync).RequireAuthorization(Policies.Admin).WithSummary("Change the user's role (ends their sessions).");

        RouteGroupBuilder tokens = api.MapGroup("/api-tokens").WithTags("API tokens").RequireAuthorization(Policies.Admin);
        tokens.MapGet("/", async (HttpContext http, ApiTokenService service, CancellationToken ct) =>
            TypedResults.Ok((await service.ListApiTokensAsync(http.Actor(), ct)).Select(ApiTokenDto.From).ToList())).WithSummary("API tokens visible to the caller (never their secrets).");
        tokens.MapPost("/", CreateTokenAsync).WithSummary("Create an API token scoped to a role and tenant; the secret is in this response only.");
        tokens.MapDelete("/{tokenId:guid}", async (Guid tokenId, HttpContext http, ApiTokenService service, CancellationToken ct) =>
            await service.RevokeApiTokenAsync(http.Actor(), new ApiTokenId(tokenId), ct) ? TypedResults.NoContent() : Problems.NotFound()).WithSummary("Revoke an API token.");
        return api;
    }

    private static async Task<IResult> CreateAsync(CreateUserRequest request, HttpContext http, UserAdministration admin, CancellationToken ct)
    {
        if (!Roles.TryParse(request.Role, out Role role))
        {
            return Problems.Validation("role must be soc-admin, soc-analyst, town-admin or town-viewer");
        }

        CreatedUser created = await admin.CreateUserAsync(
            http.Actor(), new NewUser(request.Login, request.DisplayName, role, request.TenantId is { } t ? new TenantId(t) : null, request.Password), ct);
        return TypedResults.Created($"/api/v1/users/{created.User.Id}", new OneTimePasswordDto(UserDto.From(created.User), created.OneTimePassword));
    }

    private static async Task<IResult> SetDisabled(Guid userId, bool disabled, HttpContext http, UserAdministration admin, CancellationToken ct) =>
        await admin.SetDisabledAsync(http.Actor(), new UserId(userId), disabled, ct) is { } u ? TypedResults.Ok(UserDto.From(u)) : Problems.NotFound();

    private static async Task<IResult> ChangeRoleAsync(Guid userId, ChangeRoleRequest request, HttpContext http, UserAdministration admin, CancellationToken ct)
    {
        if (!Roles.TryParse(request.Role, out Role role))
        {
            return Problems.Validation("role must be soc-admin, soc-analyst, town-admin or town-viewer");
        }

        return await admin.ChangeRoleAsync(http.Actor(), new UserId(userId), role, request.TenantId is { } t ? new TenantId(t) : null, ct) is { } u
            ? TypedResults.Ok(UserDto.From(u))
            : Problems.NotFound();
    }

    private static async Task<IResult> CreateTokenAsync(CreateApiTokenRequest request, HttpContext http, ApiTokenService service, CancellationToken ct)
    {
        if (!Roles.TryParse(request.Role, out Role role))
        {
            return Problems.Validation("role must be soc-admin, soc-analyst, town-admin or town-viewer");
        }

        IssuedApiToken issued = await service.CreateApiTokenAsync(http.Actor(), request.Name, role, request.TenantId is { } t ? new TenantId(t) : null, request.ExpiresAt, ct);
        return TypedResults.Ok(new CreatedApiTokenDto(ApiTokenDto.From(issued.Token), issued.Secret));
    }
}

public sealed record UserDto(Guid Id, string Login, string DisplayName, string Role, Guid? TenantId, bool TotpEnabled, bool Disabled, DateTimeOffset? LockedUntil, bool MustChangePassword, DateTimeOffset CreatedAt)
{
    public static UserDto From(UserView u) => new(u.Id.Value, u.Login, u.DisplayName, u.Role.ToWire(), u.Tenant?.Value, u.TotpEnabled, u.Disabled, u.LockedUntil, u.MustChangePassword, u.CreatedAt);
}

public sealed record OneTimePasswordDto(UserDto User, string? OneTimePassword)
{
    public override string ToString() => $"OneTimePasswordDto {{ User = {User} }}";
}

public sealed record CreateUserRequest(string Login, string DisplayName, string Role, Guid? TenantId, string? Password)
{
    public override string ToString() => $"CreateUserRequest {{ Login = {Login}, Role = {Role}, TenantId = {TenantId} }}";
}

public sealed record ChangeRoleRequest(string Role, Guid? TenantId);

public sealed record ApiTokenDto(Guid Id, string Name, string Role, Guid? TenantId, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    public static ApiTokenDto From(ApiToken t) => new(t.Id.Value, t.Name, t.Role.ToWire(), t.Tenant?.Value, t.CreatedBy, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt);
}

public sealed record CreateApiTokenRequest(string Name, string Role, Guid? TenantId, DateTimeOffset? ExpiresAt);

public sealed record CreatedApiTokenDto(ApiTokenDto Token, string Secret)
{
    public override string ToString() => $"CreatedApiTokenDto {{ Token = {Token} }}";
}
