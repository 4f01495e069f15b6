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

    /// <summary>The manifest named after the running program (<c>yamori</c>), or null (a test host).</summary>
    public static string? FindManifest()
    {
        string? program = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name;
        string? path = program is null ? null : Path.Combine(AppContext.BaseDirectory, program + EndpointsSuffix);
        return path is not null && File.Exists(path) ? path : null;
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
