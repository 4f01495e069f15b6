using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yamori.Cloud.Identity;
using Yamori.Server.Agents;
using Yamori.Server.Api;
using Yamori.SocConsole;

namespace Yamori.Server.Hosting;

/// <summary>Maps the agent service and the REST API, grouped by area under <c>/api/v1</c>.</summary>
public static class CloudEndpoints
{
    public static WebApplication MapYamori(this WebApplication app, string? consoleAssetsManifest)
    {
        // No page of the cloud may be framed by another site (clickjacking of the console's buttons).
        app.Use((http, next) =>
        {
            http.Response.Headers.ContentSecurityPolicy = "frame-ancestors 'none'";
            http.Response.Headers.XContentTypeOptions = "nosniff";
            return next(http);
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        // A one-time password (first start, admin reset) is good for one thing: replacing it.
        app.Use((http, next) => http.Features.Get<Actor>() is not { MustChangePassword: true } || PasswordChangeAllowed(http.Request.Path)
            ? next(http)
            : http.Request.Path.StartsWithSegments("/api")
            ? Results.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "password change required",
                detail: "this account still uses a one-time password; change it with POST /api/v1/auth/password",
                extensions: new Dictionary<string, object?> { ["reason"] = "PasswordChangeRequired" }).ExecuteAsync(http)
            : Results.Redirect("/password").ExecuteAsync(http));

        // The agent port serves the agent stream only; the API never answers there.
        app.Use((http, next) => AgentListener.IsAgentConnection(http) && !http.Request.Path.StartsWithSegments("/yamori.agent.v1.AgentChannel")
            ? Results.NotFound().ExecuteAsync(http)
            : next(http));

        // Agents authenticate with their certificate (checked in the service), not with the API scheme.
        app.MapGrpcService<AgentChannelEndpoint>().AllowAnonymous();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapGet("/healthz", () => TypedResults.Ok("ok")).AllowAnonymous().ExcludeFromDescription();

        RouteGroupBuilder api = app.MapGroup("/api/v1").AddEndpointFilter<ApiErrors>();
        api.MapAuthApi();
        api.MapUsersApi();
        api.MapAuditApi();
        api.MapEnrollmentApi();
        api.MapTenancyApi();
        api.MapDevicesApi();
        api.MapIncidentsApi();
        api.MapRulesApi();
        api.MapResponseApi();
        api.MapContactsApi();

        app.MapYamoriConsole(consoleAssetsManifest);
        return app;
    }

    private static bool PasswordChangeAllowed(PathString path) =>
        path.Equals("/api/v1/auth/password", StringComparison.Ordinal) || path.Equals("/api/v1/auth/me", StringComparison.Ordinal) ||
        path.Equals("/api/v1/auth/signout", StringComparison.Ordinal) ||

        // The console's own way through: its password page, sign-out, and the files those pages load.
        path.Equals("/password", StringComparison.Ordinal) || path.Equals("/signout", StringComparison.Ordinal) ||
        path.StartsWithSegments("/_content") || path.StartsWithSegments("/_framework");
}
