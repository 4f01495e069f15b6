using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yamori.Cloud.Detection;
using Yamori.Cloud.Health;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Sigma.Engine;
using Yamori.Sigma.Loading;
using Yamori.Sigma.Matching;

namespace Yamori.Server.Hosting;

/// <summary>Detection after commit: the global rule packs, per-tenant settings, alerts and incidents.</summary>
internal static class DetectionServices
{
    /// <summary>Loads the rules now: a service that answers before its rules are loaded would miss detections silently.</summary>
    public static IServiceCollection AddYamoriDetection(this IServiceCollection services, ServerOptions options, SqliteDatabase database)
    {
        CompileOptions compile = options.PlaceholdersPath is { } path ? new CompileOptions { Placeholders = PlaceholderConfig.Load(path) } : new CompileOptions();
        RuleSet rules = options.RuleDirectories.Count > 0 ? RuleLoader.Load(options.RuleDirectories, compile) : RuleLoader.LoadYaml([], compile);
        var engine = new SigmaEngine(rules);
        services.AddSingleton(rules);
        services.AddSingleton(engine);
        services.AddSingleton(options.Detection);
        services.AddSingleton(_ => new SqliteDetectionStore(database));
        services.AddSingleton<IAlertStore>(sp => sp.GetRequiredService<SqliteDetectionStore>());
        services.AddSingleton<IIncidentStore>(sp => sp.GetRequiredService<SqliteDetectionStore>());
        services.AddSingleton<IRawEventReader>(sp => sp.GetRequiredService<SqliteDetectionStore>());
        services.AddSingleton<IRuleSettingsStore>(_ => new SqliteRuleSettingsStore(database));
        services.AddSingleton(sp => new RuleSettingsService(rules, sp.GetRequiredService<IRuleSettingsStore>(), options.Detection, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new AlertCorrelator(
            sp.GetRequiredService<IAlertStore>(),
            sp.GetRequiredService<IIncidentStore>(),
            sp.GetServices<IIncidentListener>(),
            options.Detection,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AlertCorrelator>>()));
        services.AddSingleton(sp => new DetectionSink(
            engine, sp.GetRequiredService<RuleSettingsService>(), sp.GetRequiredService<AlertCorrelator>(), options.Detection, sp.GetRequiredService<ILogger<DetectionSink>>()));
        services.AddSingleton(sp => new TenantIngestRates(sp.GetRequiredService<DetectionSink>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IEventSink>(sp => sp.GetRequiredService<TenantIngestRates>());
        services.AddSingleton<IAgentReportStore>(_ => new SqliteAgentReportStore(database));
        services.AddSingleton<IHeartbeatObserver, AgentHealthMonitor>();
        services.AddSingleton(sp => new IncidentService(
            sp.GetRequiredService<IIncidentStore>(),
            sp.GetRequiredService<IAlertStore>(),
            sp.GetRequiredService<IRawEventReader>(),
            sp.GetRequiredService<IEventStore>(),
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
