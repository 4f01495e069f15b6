using System.Globalization;
using System.Security.Cryptography;
using Yamori.Cloud.Audit;

namespace Yamori.Cloud.Identity;

/// <summary>
/// Local sign-in: login and password, then a TOTP code when the account has one (SOC roles must set
/// one up at their first sign-in), then a session. Unknown logins, wrong passwords and disabled
/// accounts give the same <see cref="SignInResult.Failed"/> after the same Argon2 work. Consecutive
/// failures (password or code) lock the account for a while. Every attempt is audit-logged with its
/// outcome, never with the password, code, ticket or token.
/// </summary>
public sealed partial class SignInService
{
    private const string SessionPrefix = "";
    private const string TicketPrefix = "";

    private readonly IUserStore _users;
    private readonly ISessionStore _sessions;
    private readonly IAuditLog _audit;
    private readonly PasswordHasher _hasher;
    private readonly SecretProtector _protector;
    private readonly IdentityOptions _options;
    private readonly TimeProvider _clock;
    private readonly string _dummyHash;

    public SignInService(
        IUserStore users,
        ISessionStore sessions,
        IAuditLog audit,
        SecretProtector protector,
        IdentityOptions options,
        TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _users = users;
        _sessions = sessions;
        _audit = audit;
        _protector = protector;
        _options = options;
        _clock = clock;
        _hasher = new PasswordHasher(options.PasswordHash);

        // A real hash under the current parameters, so an unknown login costs what a known one does.
        // Made now rather than lazily, so that not even the first unknown login takes longer.
        _dummyHash = _hasher.Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
    }

    /// <summary>Step 1: login name and password.</summary>
    public async ValueTask<SignInResult> SignInAsync(string? login, string? password, string? remoteAddress, CancellationToken cancellationToken = default)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        string? key = LoginName.TryNormalize(login);
        User? user = key is null ? null : await _users.FindByLoginAsync(key, cancellationToken);
        if (password is null || password.Length > PasswordPolicy.MaxLength)
        {
            // No stored password is this long (the policy forbids it): check an empty one instead,
            // which never matches, so the work stays bounded and the same as for any wrong password.
            password = "";
        }

        if (user is null)
        {
            _hasher.Verify(password, _dummyHash);
            await AuditAnonymous("signin.password", UnknownLogin(login), AuditOutcome.Failed, "unknown login name", remoteAddress, cancellationToken);
            return SignInResult.Failed.Instance;
        }

        if (user.LockedUntil is { } until && until > now)
        {
            await AuditUser(user, "signin.password", AuditOutcome.Denied, $"account locked until {Iso(until)}", remoteAddress, cancellationToken);
            return new SignInResult.LockedOut(until);
        }

        bool passwordOk = _hasher.Verify(password, user.PasswordHash);
        if (user.Disabled)
        {
            await AuditUser(user, "signin.password", AuditOutcome.Failed, "account disabled", remoteAddress, cancellationToken);
            return SignInResult.Failed.Instance;
        }

        if (!passwordOk)
        {
            return await Failure(user, "signin.password", "wrong password", remoteAddress, now, cancellationToken);
        }

        if (_hasher.NeedsRehash(user.PasswordHash))
        {
            await _users.SetPasswordHashAsync(user.Id, _hasher.Hash(password), cancellationToken);
        }

        if (user.TotpConfirmed && user.TotpSecret is not null)
        {
            string ticket = await NewTicket(user, SignInTicketPurpose.VerifyTotp, null, now, cancellationToken);
            await AuditUser(user, "signin.password", AuditOutcome.Succeeded, "password accepted; TOTP code required", remoteAddress, cancellationToken);
            return new SignInResult.TotpRequired(ticket, now + _options.SignInTicketLifetime);
        }

        if (user.Role.SeesAllTenants())
        {
            byte[] secret = Totp.NewSecret();
            try
            {
                byte[] pending = _protector.Protect(secret, user.Id.ToBlob());
                string ticket = await NewTicket(user, SignInTicketPurpose.SetUpTotp, pending, now, cancellationToken);
                await AuditUser(user, "signin.password", AuditOutcome.Succeeded, "password accepted; TOTP setup required", remoteAddress, cancellationToken);
                return new SignInResult.TotpSetupRequired(
                    ticket, Base32.Encode(secret, padding: false), Totp.ProvisioningUri(_options.TotpIssuer, user.Login, secret), now + _options.SignInTicketLifetime);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        }

        return await Success(user, "password", remoteAddress, now, cancellationToken);
    }

    /// <summary>
    /// Step 2: the ticket from <see cref="SignInResult.TotpRequired"/> or
    /// <see cref="SignInResult.TotpSetupRequired"/> and a current code. A code's time step counts
    /// once per user: the same code again (or an older one) is refused as a replay.
    /// </summary>
    public async ValueTask<SignInResult> CompleteTotpAsync(string? ticket, string? code, string? remoteAddress, CancellationToken cancellationToken = default)
    {
        DateTimeOffset now = _clock.GetUtcNow();
        byte[]? hash = OpaqueToken.TryHash(TicketPrefix, ticket);
        SignInTicket? stored = hash is null ? null : await _sessions.GetTicketAsync(hash, now, cancellationToken);
        User? user = stored is null ? null : await _users.FindByIdAsync(stored.User, cancellationToken);
        if (stored is null || user is null)
        {
            await AuditAnonymous("signin.totp", "(unknown ticket)", AuditOutcome.Failed, "unknown or expired sign-in ticket", remoteAddress, cancellationToken);
            return SignInResult.Failed.Instance;
        }

        if (user.Disabled)
        {
            await _sessions.ConsumeTicketAsync(stored.TicketHash, cancellationToken);
            await AuditUser(user, "signin.totp", AuditOutcome.Failed, "account disabled", remoteAddress, cancellationToken);
            return SignInResult.Failed.Instance;
        }

        if (user.LockedUntil is { } until && until > now)
        {
            await AuditUser(user, "signin.totp", AuditOutcome.Denied, $"account locked until {Iso(until)}", remoteAddress, cancellationToken);
            return new SignInResult.LockedOut(until);
        }

        bool setup = stored.Purpose == SignInTicketPurpose.SetUpTotp;
        byte[]? protectedSecret = setup ? stored.PendingSecret : (user.TotpConfirmed ? user.TotpSecret : null);
        if (protectedSecret is null)
        {
            // TOTP was reset since the ticket was issued: start again with the password.
            await _sessions.ConsumeTicketAsync(stored.TicketHash, cancellationToken);
            await AuditUser(user, "signin.totp", AuditOutcome.Failed, "second factor changed since the password step", remoteAddress, cancellationToken);
            return SignInResult.Failed.Instance;
        }

        long? step;
        byte[] secret = _protector.Unprotect(protectedSecret, user.Id.ToBlob());
        try
        {
            step = Totp.Match(secret, code, now);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        if (step is not { } matched)
        {
            return await Failure(user, "signin.totp", "wrong TOTP code", remoteAddress, now, cancellationToken);
        }

        bool fresh = setup
            ? await _users.ConfirmTotpAsync(user.Id, protectedSecret, matched, now, cancellationToken)
            : await _users.TryUseTotpStepAsync(user.Id, matched, cancellationToken);
        if (!fresh)
        {
            return await Failure(user, "signin.totp", "TOTP code already used (replay)", remoteAddress, now, cancellationToken);
        }

        if (!await _sessions.ConsumeTicketAsync(stored.TicketHash, cancellationToken))
        {
            await AuditUser(user, "signin.totp", AuditOutcome.Failed, "sign-in ticket already used", remoteAddress, cancellationToken);
            return SignInResult.Failed.Instance;
        }

        return await Success(user, setup ? "password + TOTP, TOTP set up" : "password + TOTP", remoteAddress, now, cancellationToken);
    }

    private async ValueTask<SignInResult> Failure(User user, string action, string reason, string? remoteAddress, DateTimeOffset now, CancellationToken cancellationToken)
    {
        DateTimeOffset? locked = await _users.RecordFailureAsync(user.Id, _options.MaxFailedAttempts, now + _options.LockoutDuration, cancellationToken);
        string detail = locked is { } until ? $"{reason}; account locked until {Iso(until)}" : reason;
        await AuditUser(user, action, AuditOutcome.Failed, detail, remoteAddress, cancellationToken);
        return locked is { } end ? new SignInResult.LockedOut(end) : SignInResult.Failed.Instance;
    }

    private async ValueTask<SignInResult> Success(User user, string how, string? remoteAddress, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _users.RecordSuccessAsync(user.Id, cancellationToken);
        (string token, byte[] hash) = OpaqueToken.Generate(SessionPrefix);
        DateTimeOffset expires = now + _options.SessionAbsoluteLifetime;
        await _sessions.CreateSessionAsync(new SessionRecord(hash, user.Id, now, now, expires), cancellationToken);
        await AuditUser(user, "signin", AuditOutcome.Succeeded, $"session started ({how})", remoteAddress, cancellationToken);
        return new SignInResult.Succeeded(token, ActorOf(user, remoteAddress), user.MustChangePassword, expires);
    }

    private async ValueTask<string> NewTicket(User user, SignInTicketPurpose purpose, byte[]? pendingSecret, DateTimeOffset now, CancellationToken cancellationToken)
    {
        (string ticket, byte[] hash) = OpaqueToken.Generate(TicketPrefix);
        await _sessions.CreateTicketAsync(new SignInTicket(hash, user.Id, purpose, pendingSecret, now + _options.SignInTicketLifetime), cancellationToken);
        return ticket;
    }

    /// <summary>
    /// How an unknown login is named in the audit log, which cannot be edited later: people type
    /// passwords into the login box, so the text is never kept — only its length and a fingerprint
    /// keyed per process, enough to see one name tried again and again (credential stuffing).
    /// </summary>
    internal static string UnknownLogin(string? login)
    {
        if (string.IsNullOrEmpty(login))
        {
            return "(empty login)";
        }

        byte[] mac = HMACSHA256.HashData(FingerprintKey, System.Text.Encoding.UTF8.GetBytes(login.Trim().ToLowerInvariant()));
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"(unknown login, {login.Length} chars, fingerprint {Convert.ToHexStringLower(mac.AsSpan(0, 4))})");
    }

    private static readonly byte[] FingerprintKey = RandomNumberGenerator.GetBytes(32);

    internal static Actor ActorOf(User user, string? remoteAddress) =>
        new(user.Id.ToString(), user.Login, ActorKind.User, user.Role, user.Tenant, remoteAddress) { MustChangePassword = user.MustChangePassword };

    private ValueTask<AuditEntry> AuditUser(User user, string action, AuditOutcome outcome, string detail, string? remoteAddress, CancellationToken cancellationToken) =>
        _audit.AppendAsync(
            new AuditRecord(user.Id.ToString(), user.Login, ActorKind.User, user.Role, user.Tenant, action, "user", user.Id.ToString(), outcome, remoteAddress, Detail: detail),
            cancellationToken);

    private ValueTask<AuditEntry> AuditAnonymous(string action, string name, AuditOutcome outcome, string detail, string? remoteAddress, CancellationToken cancellationToken) =>
        _audit.AppendAsync(
            new AuditRecord("unknown", name, ActorKind.User, null, null, action, "user", null, outcome, remoteAddress, Detail: detail),
            cancellationToken);

    private static string Iso(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);
}
