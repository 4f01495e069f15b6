using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Yamori.Server.Hosting;

/// <summary>
/// Finds the console's static files (style sheet, blazor.web.js). The SDK describes them in a
/// manifest named after the host program (<c>yamori.staticwebassets.endpoints.json</c> for
/// <c>yamori up</c>); in a build, a second manifest points at the source folders, in a publish the
/// files sit in <c>wwwroot</c>. A host without one (an API-only test host) serves the pages without
/// their script and style.
/// </summary>
internal static class ConsoleAssets
{
    private const string EndpointsSuffix = ".staticwebassets.endpoints.json";

    /// <summary>The host's endpoints manifest, or null. The console library's own manifest lists only its files, not the framework's.</summary>
    public static string? FindManifest()
    {
        string[] manifests = Directory.GetFiles(AppContext.BaseDirectory, "*" + EndpointsSuffix);
        string[] hosts = Array.FindAll(manifests, m => !Path.GetFileName(m).StartsWith("Yamori.SocConsole.", StringComparison.Ordinal));
        return hosts.Length == 1 ? hosts[0] : null;
    }

    /// <summary>In a build (not a publish), serves the files from where the build left them.</summary>
    public static void UseConsoleAssets(this WebApplicationBuilder builder, string? endpointsManifest)
    {
        if (endpointsManifest is null)
        {
            return;
        }

        string runtime = endpointsManifest[..^EndpointsSuffix.Length] + ".staticwebassets.runtime.json";
        if (File.Exists(runtime))
        {
            builder.WebHost.UseSetting(WebHostDefaults.StaticWebAssetsKey, runtime);
            builder.WebHost.UseStaticWebAssets();
        }
    }
}
