using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Yamori.Server.Hosting;

namespace Yamori.Server;

/// <summary>Builds the cloud host: <c>yamori up</c> runs it, integration tests start it on loopback.</summary>
public static class CloudServer
{
    public static WebApplication Build(ServerOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Yamori" });
        // Request-level logs would drown the ones an operator needs; warnings and errors still show.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.AddYamoriCloud(options);
        configure?.Invoke(builder);
        WebApplication app = builder.Build();
        app.MapYamori();
        return app;
    }
}
