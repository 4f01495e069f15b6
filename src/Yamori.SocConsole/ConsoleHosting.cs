using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Incidents;
using Yamori.SocConsole.Components;
using Yamori.SocConsole.Live;
using Yamori.SocConsole.Localization;
using Yamori.SocConsole.Session;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole;

/// <summary>Registers and maps the console in the cloud host (<c>yamori up</c>).</summary>
public static class ConsoleHosting
{
    public static IServiceCollection AddYamoriConsole(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddScoped<ConsoleSession>();
        services.AddSingleton<ConsoleAudit>();
        services.AddSingleton<DashboardView>();
        services.AddSingleton<IncidentQueueView>();
        services.AddSingleton<IncidentDetailView>();
        services.AddSingleton<DeviceListView>();
        services.AddSingleton<DeviceDetailView>();
        services.AddSingleton<HuntingView>();
        services.AddSingleton<TenantAccess>();
        services.AddSingleton<RulesView>();
        services.AddSingleton<TenantsView>();
        services.AddSingleton<TenantUsersView>();
        services.AddSingleton<AuditView>();
        services.AddSingleton<IncidentFeed>();
        services.AddSingleton<IIncidentListener>(sp => sp.GetRequiredService<IncidentFeed>());
        return services;
    }

    /// <summary>Maps the pages, the live connection, static files and the two form endpoints (sign-out, language).</summary>
    /// <param name="staticAssetsManifest">The host's static web assets manifest; null serves pages without script and style (logged).</param>
    public static WebApplication MapYamoriConsole(this WebApplication app, string? staticAssetsManifest)
    {
        if (staticAssetsManifest is not null)
        {
            // Style sheets and blazor.web.js load on the sign-in page too, before anyone is signed in.
            app.MapStaticAssets(staticAssetsManifest).AllowAnonymous();
        }
        else
        {
            ConsoleLog.NoStaticAssets(app.Logger);
        }

        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

        // No antiforgery check: a cross-site post carries no session (the cookie is SameSite=Strict),
        // and a token issued before the session expired would turn a late sign-out into an error.
        app.MapPost("/signout", async (HttpContext http, SignInService signIn, CancellationToken ct) =>
        {
            string? token = http.Request.Cookies[SessionCookie];
            await signIn.SignOutAsync(token, http.Connection.RemoteIpAddress?.ToString(), ct);
            http.Response.Cookies.Delete(SessionCookie);
            return Results.Redirect("/signin");
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();

        // The hunting page's query as a file; a plain GET so the browser downloads it (authenticated by the fallback policy).
        app.MapGet("/hunting/export.csv", HuntingCsv.ExportAsync).ExcludeFromDescription();

        app.MapGet("/lang/{code}", (string code, string? returnUrl, HttpContext http) =>
        {
            string language = UiText.For(code).Language;
            http.Response.Cookies.Append(UiText.LanguageCookie, language, new CookieOptions
            {
                Secure = true,
                SameSite = SameSiteMode.Lax,
                Path = "/",
                MaxAge = TimeSpan.FromDays(365),
            });
            return Results.LocalRedirect(LocalUrl.OrHome(returnUrl));
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>The API's session cookie; the console signs in through the same sessions.</summary>
    public const string SessionCookie = "yamori_session";
}
