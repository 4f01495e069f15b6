using Microsoft.Extensions.DependencyInjection;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Identity.Sqlite;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Server.Agents;
using Yamori.Server.Security;

namespace Yamori.Server.Hosting;

/// <summary>People, sessions, API tokens and the audit log.</summary>
internal static class IdentityServices
{
    /// <summary>The key that encrypts TOTP secrets at rest, next to (not inside) the database.</summary>
    private const string SecretKeyFile = "secrets.key";

    public static IServiceCollection AddYamoriIdentity(this IServiceCollection services, ServerOptions options, SqliteDatabase database)
    {
        // Loaded now: a damaged key file must stop start-up with its own message.
        SecretProtector protector = SecretProtector.LoadOrCreate(Path.Combine(options.DataDirectory, SecretKeyFile));
        services.AddSingleton(protector);
        services.AddSingleton(options.Identity);
        services.AddSingleton<IUserStore>(_ => new SqliteUserStore(database));
        services.AddSingleton<ISessionStore>(_ => new SqliteSessionStore(database));
        services.AddSingleton<IApiTokenStore>(_ => new SqliteApiTokenStore(database));
        services.AddSingleton<IAuditLog>(sp => new SqliteAuditLog(database, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<SignInService>();
        services.AddSingleton<ApiTokenService>();
        services.AddSingleton<UserAdministration>();
        services.AddSingleton<IActorResolver, IdentityActorResolver>();
        services.AddSingleton<AuditRecorder>();
        services.AddSingleton<IChangeRecorder>(sp => sp.GetRequiredService<AuditRecorder>());
        services.AddSingleton<IAgentRefusalRecorder>(sp => sp.GetRequiredService<AuditRecorder>());
        return services;
    }
}
