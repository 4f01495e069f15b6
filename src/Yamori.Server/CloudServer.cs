using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Yamori.Server.Hosting;

namespace Yamori.Server;

/// <summary>Builds the cloud host: <c>yamori up</c> runs it, integration tests start it on loopback.</summary>
public static class CloudServer
{
    /// <param name="settings">Configuration on top of appsettings and the environment (tests use it), read at start-up.</param>
    public static WebApplication Build(ServerOptions options, Action<WebApplicationBuilder>? configure = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        // SQLite calls block their thread (commits, alert writes, audit appends). With the default of
        // one pool thread per core, a few of them starve the stream handlers until the pool slowly
        // grows; measured as multi-second alert-latency tails on 2 cores.
        ThreadPool.GetMinThreads(out int workers, out int io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), io);

        // Content root is the install folder, not the working directory, and configuration files
        // are not watched: watching a working directory means an inotify watch on every folder
        // under it, for settings Yamori reads once at start-up.
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "Yamori",
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        // Request-level logs would drown the ones an operator needs; warnings and errors still show.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        string? consoleAssets = ConsoleAssets.FindManifest();
        builder.UseConsoleAssets(consoleAssets);
        builder.AddYamoriCloud(options);
        configure?.Invoke(builder);
        WebApplication app = builder.Build();
        app.MapYamori(consoleAssets);
        return app;
    }
}
