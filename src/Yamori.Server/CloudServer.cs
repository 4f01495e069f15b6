using Microsoft.AspNetCore.Builder;
using Yamori.Server.Hosting;

namespace Yamori.Server;

/// <summary>Builds the cloud host: <c>yamori up</c> runs it, integration tests start it on loopback.</summary>
public static class CloudServer
{
    public static WebApplication Build(ServerOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Yamori" });
        builder.AddYamoriCloud(options);
        configure?.Invoke(builder);
        WebApplication app = builder.Build();
        app.MapYamori();
        return app;
    }
}
