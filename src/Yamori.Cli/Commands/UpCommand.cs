using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Storage.Sqlite;
using Yamori.Server;
using Yamori.Sigma.Loading;
using Yamori.Server.Hosting;

namespace Yamori.Cli.Commands;

/// <summary><c>yamori up</c>: the whole cloud in one process on the embedded database.</summary>
internal static class UpCommand
{
    public const string Help = """
        usage: yamori up [--data DIR] [--demo] [--api ADDR:PORT] [--agent ADDR:PORT] [--name HOST]... [--rules DIR]... [--placeholders FILE]

          --data DIR         data directory (default: $XDG_DATA_HOME/yamori or ~/.local/share/yamori)
          --demo             on first start, create a demo prefecture with two towns and enrollment tokens
          --api ADDR:PORT    REST API and enrollment listener (default 127.0.0.1:8443)
          --agent ADDR:PORT  agent stream listener, mutual TLS (default 127.0.0.1:8444)
          --name HOST        a host name agents use to reach this cloud (repeatable; default localhost)
          --rules DIR        Sigma rules every town starts from (repeatable; default: SigmaHQ's rules,
                             rules-emerging-threats and rules-threat-hunting when YAMORI_SIGMAHQ or
                             ../shared/data/sigmahq is found)
          --placeholders F   values for placeholder rules (see config/placeholders.example.yml)
          --smtp HOST:PORT   mail relay for notifications (STARTTLS when offered); with --smtp-from ADDR,
                             and YAMORI_SMTP_USER / YAMORI_SMTP_PASSWORD from the environment if the relay
                             needs a login (never on the command line, where ps shows it)

        Stops on Ctrl+C or SIGTERM after committing what it acknowledged.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ServerOptions options = Parse(args);
        WebApplication app;
        try
        {
            app = CloudServer.Build(options);
        }
        catch (Exception ex) when (ex is StoreCorruptedException or CertificateAuthorityCorruptedException)
        {
            stderr.WriteLine($"yamori up: refusing to start: {ex.Message}");
            return 3;
        }

        await using (app)
        {
            await app.StartAsync();
            BootstrapCredentials? operatorAccount = await FirstStart.CreateOperatorAsync(app.Services);
            IReadOnlyList<DemoTown> demo = options.Demo ? await FirstStart.CreateDemoAsync(app.Services) : [];
            Listeners listeners = app.Services.GetRequiredService<Listeners>();
            PrintBanner(stdout, options, listeners, demo, app.Services.GetRequiredService<CloudCertificateAuthority>(), app.Services.GetRequiredService<RuleSet>());
            if (operatorAccount is not null)
            {
                PrintOperator(stdout, operatorAccount, listeners);
            }

            stdout.WriteLine("Press Ctrl+C to stop.");
            await app.WaitForShutdownAsync();
        }

        stdout.WriteLine("yamori up: stopped; everything acknowledged is committed.");
        return 0;
    }

    private static void PrintBanner(TextWriter stdout, ServerOptions options, Listeners listeners, IReadOnlyList<DemoTown> demo, CloudCertificateAuthority authority, RuleSet rules)
    {
        using var ca = authority.Certificate;
        stdout.WriteLine($"""
            Yamori cloud is up.
              data directory   {options.DataDirectory}
              console          {listeners.ApiUri}   (SOC console and town portal; Japanese, English switch)
              API              {listeners.ApiUri}api/v1/   (OpenAPI: {listeners.ApiUri}openapi/v1.json)
              agent stream     {listeners.AgentUri}   (mutual TLS)
              rules            {rules.Rules.Count:N0} loaded from {string.Join(", ", options.RuleDirectories)}{(rules.Errors.Count > 0 ? $" ({rules.Errors.Count} not loaded: see yamori rules check)" : "")}
              cloud CA         SHA-256 {ca.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}
                               (agents fetch {listeners.ApiUri}api/v1/ca and accept it only with this fingerprint)
            """);
        foreach (DemoTown town in demo)
        {
            stdout.WriteLine($"  demo town        {town.Name} ({town.Code}) tenant {town.Tenant}");
            foreach (DemoToken token in town.Tokens)
            {
                stdout.WriteLine($"    enrollment token for {token.Segment} (100 uses, until {token.ExpiresAt:yyyy-MM-dd}): {token.Secret}");
            }
        }

        if (demo.Count > 0)
        {
            stdout.WriteLine("  The tokens above are shown only now. Enroll an agent with:");
            stdout.WriteLine($"    yamori-agent enroll --server {listeners.ApiUri} --token <token> --ca-sha256 {ca.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}");
        }
    }

    private static void PrintOperator(TextWriter stdout, BootstrapCredentials account, Listeners listeners) =>
        stdout.WriteLine($"""
              first start: operator account created (soc-admin). Shown only now; store them safely:
                login            {account.User.Login}
                password         {account.Password}   (must be changed at first sign-in)
                TOTP secret      {account.TotpSecretBase32}
                TOTP URI         {account.ProvisioningUri}
              sign in: open {listeners.ApiUri} in a browser, or POST {listeners.ApiUri}api/v1/auth/signin then POST {listeners.ApiUri}api/v1/auth/totp
            """);

    private static ServerOptions Parse(string[] args)
    {
        string? data = null;
        bool demo = false;
        IPEndPoint api = new(IPAddress.Loopback, 8443);
        IPEndPoint agent = new(IPAddress.Loopback, 8444);
        var names = new List<string>();
        var rules = new List<string>();
        string? placeholders = null;
        string? smtp = null;
        string? smtpFrom = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data":
                    data = Value(args, ref i);
                    break;
                case "--demo":
                    demo = true;
                    break;
                case "--api":
                    api = Endpoint(args, ref i);
                    break;
                case "--agent":
                    agent = Endpoint(args, ref i);
                    break;
                case "--name":
                    names.Add(Value(args, ref i));
                    break;
                case "--rules":
                    rules.Add(Path.GetFullPath(Value(args, ref i)));
                    break;
                case "--placeholders":
                    placeholders = Path.GetFullPath(Value(args, ref i));
                    break;
                case "--smtp":
                    smtp = Value(args, ref i);
                    break;
                case "--smtp-from":
                    smtpFrom = Value(args, ref i);
                    break;
                default:
                    throw new UsageException($"up: unknown option '{args[i]}'");
            }
        }

        return new ServerOptions
        {
            DataDirectory = Path.GetFullPath(data ?? DefaultDataDirectory()),
            Demo = demo,
            ApiEndpoint = api,
            AgentEndpoint = agent,
            ServerNames = names.Count > 0 ? names : ["localhost"],
            RuleDirectories = rules.Count > 0 ? rules : SigmaHqLocator.Find() is { } root ? [.. SigmaHqLocator.DefaultPacks(root)] : [],
            PlaceholdersPath = placeholders,
            Smtp = Smtp(smtp, smtpFrom),
        };
    }

    private static Yamori.Cloud.Notifications.SmtpOptions? Smtp(string? relay, string? from)
    {
        if (relay is null)
        {
            return from is null ? null : throw new UsageException("up: --smtp-from needs --smtp");
        }

        int colon = relay.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(relay.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new UsageException($"up: --smtp '{relay}' is not HOST:PORT");
        }

        return new Yamori.Cloud.Notifications.SmtpOptions
        {
            Host = relay[..colon],
            Port = port,
            From = from ?? throw new UsageException("up: --smtp needs --smtp-from ADDRESS"),
            Username = Environment.GetEnvironmentVariable("YAMORI_SMTP_USER"),
            Password = Environment.GetEnvironmentVariable("YAMORI_SMTP_PASSWORD"),
        };
    }

    private static string DefaultDataDirectory()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        string root = !string.IsNullOrEmpty(xdg) ? xdg : Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        return Path.Combine(root, "yamori");
    }

    private static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new UsageException($"up: {args[i - 1]} needs a value");

    private static IPEndPoint Endpoint(string[] args, ref int i)
    {
        string text = Value(args, ref i);
        return IPEndPoint.TryParse(text, out IPEndPoint? ep) && ep.Port != 0 || text.EndsWith(":0", StringComparison.Ordinal) && IPEndPoint.TryParse(text, out ep)
            ? ep!
            : throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"up: '{text}' is not ADDRESS:PORT"));
    }
}
