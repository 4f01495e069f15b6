namespace Yamori.Cloud.Identity;

/// <summary>Argon2id cost. The defaults are OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane).</summary>
public sealed record PasswordHashOptions
{
    /// <summary>Memory in KiB.</summary>
    public int MemoryKiB { get; init; } = 19_456;

    public int Iterations { get; init; } = 2;

    public int Parallelism { get; init; } = 1;

    public void Validate()
    {
        if (Parallelism is < 1 or > 16)
        {
            throw new ArgumentException($"Parallelism must be 1 to 16, not {Parallelism}", nameof(Parallelism));
        }

        if (Iterations is < 1 or > 100)
        {
            throw new ArgumentException($"Iterations must be 1 to 100, not {Iterations}", nameof(Iterations));
        }

        if (MemoryKiB < 8 * Parallelism || MemoryKiB > 4 * 1024 * 1024)
        {
            throw new ArgumentException($"MemoryKiB must be at least 8 x Parallelism and at most 4 GiB, not {MemoryKiB}", nameof(MemoryKiB));
        }
    }
}

/// <summary>Sign-in, session and token rules.</summary>
public sealed record IdentityOptions
{
    public PasswordHashOptions PasswordHash { get; init; } = new();

    /// <summary>Consecutive failures (password or second factor) that lock an account.</summary>
    public int MaxFailedAttempts { get; init; } = 5;

    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>A session unused this long ends (sliding).</summary>
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>A session ends this long after sign-in, however active.</summary>
    public TimeSpan SessionAbsoluteLifetime { get; init; } = TimeSpan.FromHours(12);

    /// <summary>How long the ticket between password and second factor lives.</summary>
    public TimeSpan SignInTicketLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Issuer shown by authenticator apps.</summary>
    public string TotpIssuer { get; init; } = "Yamori";

    public void Validate()
    {
        PasswordHash.Validate();
        if (string.IsNullOrWhiteSpace(TotpIssuer))
        {
            throw new ArgumentException("TotpIssuer must not be empty", nameof(TotpIssuer));
        }

        if (MaxFailedAttempts < 1)
        {
            throw new ArgumentException("MaxFailedAttempts must be at least 1", nameof(MaxFailedAttempts));
        }

        foreach ((string name, TimeSpan value) in new[]
        {
            (nameof(LockoutDuration), LockoutDuration),
            (nameof(SessionIdleTimeout), SessionIdleTimeout),
            (nameof(SessionAbsoluteLifetime), SessionAbsoluteLifetime),
            (nameof(SignInTicketLifetime), SignInTicketLifetime),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentException($"{name} must be positive", name);
            }
        }
    }
}
