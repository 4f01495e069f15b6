using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Yamori.Server.Agents;
using Yamori.Server.Api;

namespace Yamori.Server.Hosting;

/// <summary>Maps the agent service and the REST API, grouped by area under <c>/api/v1</c>.</summary>
public static class CloudEndpoints
{
    public static WebApplication MapYamori(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();

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
        return app;
    }
}
