using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Ingest;
using Yamori.Cloud.Storage;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Cloud.Tenancy;
using Yamori.Server.Agents;
using Yamori.Server.Security;
using Yamori.SocConsole;

namespace Yamori.Server.Hosting;

/// <summary>Registers the cloud's stores and services and configures the two listeners.</summary>
public static class CloudServices
{
    private const string DatabaseFile = "yamori.db";

    /// <summary>
    /// Opens the database and the CA now rather than on first use, so that a damaged file stops
    /// start-up with its own message instead of failing the first request.
    /// </summary>
    public static WebApplicationBuilder AddYamoriCloud(this WebApplicationBuilder builder, ServerOptions options)
    {
        // Tuning without a rebuild: appsettings or environment (Yamori__Ingest__MaxGroupEvents=…),
        // checked before anything is opened.
        IngestOptions ingest = builder.Configuration.GetSection("Yamori:Ingest").Get<IngestOptions>() ?? new IngestOptions();
        AgentStreamOptions streams = builder.Configuration.GetSection("Yamori:AgentStreams").Get<AgentStreamOptions>() ?? new AgentStreamOptions();
        ingest.Validate();
        streams.Validate();

        Directory.CreateDirectory(options.DataDirectory);
        TimeProvider time = TimeProvider.System;
        SqliteDatabase database = SqliteDatabase.Open(Path.Combine(options.DataDirectory, DatabaseFile));
        CloudCertificateAuthority authority = CloudCertificateAuthority.OpenOrCreate(options.DataDirectory, time);

        IServiceCollection services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(time);
        services.AddSingleton(database);
        services.AddSingleton(authority);
        services.AddSingleton<ITenancyStore, SqliteTenancyStore>();
        services.AddSingleton<SqliteEventStore>(sp => new SqliteEventStore(database, time));
        services.AddSingleton<IEventStore>(sp => sp.GetRequiredService<SqliteEventStore>());
        services.AddSingleton<SqliteEnrollmentStore>();
        services.AddSingleton<IEnrollmentTokenStore>(sp => sp.GetRequiredService<SqliteEnrollmentStore>());
        services.AddSingleton<IDeviceRevocationStore>(sp => sp.GetRequiredService<SqliteEnrollmentStore>());
        services.AddSingleton<EnrollmentService>();
        services.AddSingleton<CertificateValidator>();
        services.AddSingleton<DeviceRevoker>();
        services.AddYamoriDetection(options, database);
        services.AddYamoriResponse(options, database);
        services.AddYamoriNotifications(options, database);
        services.AddSingleton<Retention>();
        services.AddHostedService(sp => sp.GetRequiredService<Retention>());
        services.AddSingleton(ingest);
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton(streams);
        services.AddSingleton<AgentStreamService>();
        services.AddGrpc(grpc =>
        {
            // A batch is at most MaxBatchBytes of events plus framing; anything bigger is hostile.
            grpc.MaxReceiveMessageSize = ingest.MaxBatchBytes + (64 << 10);
            grpc.EnableDetailedErrors = false;
        });
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(Api.JsonSetup.Configure);
        services.AddOpenApi("v1");
        services.AddAuthentication(ActorAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, ActorAuthentication>(ActorAuthentication.SchemeName, null);
        services.AddAuthorization(Policies.Add);
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AuditedForbid>();
        services.AddYamoriIdentity(options, database);
        services.AddYamoriConsole();
        var listeners = new Listeners();
        services.AddSingleton(listeners);

        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // Each agent has its own connection; unread data waits in Kestrel's buffers up to these
            // windows, so they bound the cloud's memory per agent (defaults would allow ~1 MiB each).
            kestrel.Limits.Http2.InitialConnectionWindowSize = 256 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 192 * 1024;
            var certificate = authority.IssueServerCertificate(options.ServerNames, [options.ApiEndpoint.Address, options.AgentEndpoint.Address], time.GetUtcNow(), TimeSpan.FromDays(90));
            kestrel.Listen(options.ApiEndpoint, listen =>
            {
                listeners.Api = listen;
                listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificate = certificate });
            });
            kestrel.Listen(options.AgentEndpoint, listen =>
            {
                listeners.Agent = listen;
                AgentListener.Configure(listen, new HttpsConnectionAdapterOptions { ServerCertificate = certificate });
            });
        });
        return builder;
    }
}

/// <summary>The two listeners; after start their endpoints carry the bound ports (port 0 in tests).</summary>
public sealed class Listeners
{
    internal ListenOptions? Api { get; set; }

    internal ListenOptions? Agent { get; set; }

    public Uri ApiUri => ToUri(Api);

    public Uri AgentUri => ToUri(Agent);

    private static Uri ToUri(ListenOptions? listen) =>
        listen?.IPEndPoint is { } ep ? new Uri($"https://{ep}/") : throw new InvalidOperationException("the server has not started");
}
