using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Yamori.Server.Hosting;

namespace Yamori.Server;

/// <summary>Builds the cloud host: <c>yamori up</c> runs it, integration tests start it on loopback.</summary>
public static class CloudServer
{
    public static WebApplication Build(ServerOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        // SQLite calls block their thread (commits, alert writes, audit appends). With the default of
        // one pool thread per core, a few of them starve the stream handlers until the pool slowly
        // grows; measured as multi-second alert-latency tails on 2 cores.
        ThreadPool.GetMinThreads(out int workers, out int io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), io);

        // Content root is the install folder, not the working directory, and configuration files
        // are not watched: watching a working directory means an inotify watch on every folder
        // under it, for settings Yamori does not read from files.
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "Yamori",
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        // Request-level logs would drown the ones an operator needs; warnings and errors still show.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        string? consoleAssets = ConsoleAssets.FindManifest();
        builder.UseConsoleAssets(consoleAssets);
        builder.AddYamoriCloud(options);
        configure?.Invoke(builder);
        WebApplication app = builder.Build();
        app.MapYamori(consoleAssets);
        return app;
    }
}
