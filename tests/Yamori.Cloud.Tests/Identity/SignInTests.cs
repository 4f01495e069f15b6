using Yamori.Cloud.Audit;
using Yamori.Cloud.Identity;

namespace Yamori.Cloud.Tests.Identity;

public sealed class SignInTests : IDisposable
{
    private const string Remote = "203.0.113.9";
    private readonly IdentityFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task A_town_user_without_totp_signs_in_with_a_password()
    {
        UserView user = _f.CreateUser("viewer.a", Role.TownViewer, _f.A);

        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("Viewer.A", IdentityFixture.Password, Remote));

        // Created with an admin-chosen password: the actor carries the obligation to change it.
        Assert.Equal(new Actor(user.Id.ToString(), "viewer.a", ActorKind.User, Role.TownViewer, _f.A.Id, Remote) { MustChangePassword = true }, ok.Actor);
        Assert.True(ok.MustChangePassword);
        Actor? again = await _f.SignIn.ValidateSessionAsync(ok.SessionToken, "203.0.113.10", _f.Clock.GetUtcNow());
        Assert.Equal(ok.Actor with { RemoteAddress = "203.0.113.10" }, again);
        AuditEntry entry = (await _f.AuditEntries("signin")).Last();
        Assert.Equal(("signin", AuditOutcome.Succeeded, Remote, _f.A.Id), (entry.Record.Action, entry.Record.Outcome, entry.Record.RemoteAddress, entry.Record.Tenant));
    }

    [Fact]
    public async Task Unknown_login_wrong_password_and_disabled_account_fail_alike_and_are_audited_without_the_password()
    {
        UserView user = _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        UserView disabled = _f.CreateUser("gone.a", Role.TownViewer, _f.A);
        await _f.Admin.SetDisabledAsync(IdentityFixture.SocAdmin, disabled.Id, true);

        SignInResult unknown = await _f.SignIn.SignInAsync("nobody", IdentityFixture.Password, Remote);
        SignInResult wrong = await _f.SignIn.SignInAsync("viewer.a", "wrong-password-123", Remote);
        SignInResult off = await _f.SignIn.SignInAsync("gone.a", IdentityFixture.Password, Remote);

        Assert.Same(SignInResult.Failed.Instance, unknown);
        Assert.Same(SignInResult.Failed.Instance, wrong);
        Assert.Same(SignInResult.Failed.Instance, off);
        List<AuditEntry> attempts = await _f.AuditEntries("signin");
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, e => Assert.Equal(AuditOutcome.Failed, e.Record.Outcome));
        Assert.All(attempts, e => Assert.DoesNotContain("wrong-password-123", e.Record.ToString(), StringComparison.Ordinal));
        Assert.All(attempts, e => Assert.DoesNotContain(IdentityFixture.Password, e.Record.ToString(), StringComparison.Ordinal));
        Assert.Equal(1, (await _f.Users.FindByIdAsync(user.Id))!.FailedAttempts);
    }

    [Fact]
    public async Task Five_failures_lock_the_account_for_fifteen_minutes_even_for_the_right_password()
    {
        _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        for (int i = 0; i < 4; i++)
        {
            Assert.IsType<SignInResult.Failed>(await _f.SignIn.SignInAsync("viewer.a", "wrong-password-123", Remote));
        }

        var locked = Assert.IsType<SignInResult.LockedOut>(await _f.SignIn.SignInAsync("viewer.a", "wrong-password-123", Remote));
        Assert.Equal(_f.Clock.GetUtcNow() + TimeSpan.FromMinutes(15), locked.Until);

        _f.Clock.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));
        Assert.IsType<SignInResult.LockedOut>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
        Assert.Contains(await _f.AuditEntries("signin"), e => e.Record.Outcome == AuditOutcome.Denied);

        _f.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
    }

    [Fact]
    public async Task A_success_resets_the_failure_count()
    {
        _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < 4; i++)
            {
                Assert.IsType<SignInResult.Failed>(await _f.SignIn.SignInAsync("viewer.a", "wrong-password-123", Remote));
            }

            Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
        }
    }

    [Fact]
    public async Task A_soc_user_must_set_up_totp_at_first_sign_in()
    {
        UserView user = _f.CreateUser("analyst", Role.SocAnalyst, null);

        var setup = Assert.IsType<SignInResult.TotpSetupRequired>(await _f.SignIn.SignInAsync("analyst", IdentityFixture.Password, Remote));
        Assert.Equal(32, setup.SecretBase32.Length); // 160 bits
        Assert.Equal($"otpauth://totp/Yamori:analyst?secret={setup.SecretBase32}&issuer=Yamori", setup.ProvisioningUri);
        Assert.False((await _f.Users.FindByIdAsync(user.Id))!.TotpConfirmed);

        Assert.IsType<SignInResult.Failed>(await _f.SignIn.CompleteTotpAsync(setup.Ticket, "000000" == _f.CodeNow(setup.SecretBase32) ? "111111" : "000000", Remote));
        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.CompleteTotpAsync(setup.Ticket, _f.CodeNow(setup.SecretBase32), Remote));
        Assert.Equal(Role.SocAnalyst, ok.Actor.Role);
        Assert.Null(ok.Actor.Tenant);
        Assert.True((await _f.Users.FindByIdAsync(user.Id))!.TotpConfirmed);

        // From now on the password alone is not enough, and the stored secret is the one set up.
        _f.Clock.Advance(TimeSpan.FromSeconds(30));
        var next = Assert.IsType<SignInResult.TotpRequired>(await _f.SignIn.SignInAsync("analyst", IdentityFixture.Password, Remote));
        Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.CompleteTotpAsync(next.Ticket, _f.CodeNow(setup.SecretBase32), Remote));
    }

    [Fact]
    public async Task The_totp_secret_is_stored_encrypted()
    {
        UserView user = _f.CreateUser("analyst", Role.SocAnalyst, null);
        (_, string secret) = await _f.SignInWithTotpSetup("analyst");
        byte[] raw = Base32.TryDecode(secret)!;
        byte[] db = _f.DatabaseBytes();
        Assert.Equal(-1, db.AsSpan().IndexOf(raw));
        Assert.Equal(-1, db.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(secret)));
        User stored = (await _f.Users.FindByIdAsync(user.Id))!;
        Assert.Equal(raw, _f.Protector.Unprotect(stored.TotpSecret!, user.Id.Value.ToByteArray()));
    }

    [Fact]
    public async Task A_totp_code_is_accepted_once()
    {
        _f.CreateUser("analyst", Role.SocAnalyst, null);
        (_, string secret) = await _f.SignInWithTotpSetup("analyst");
        _f.Clock.Advance(TimeSpan.FromSeconds(30));

        var first = Assert.IsType<SignInResult.TotpRequired>(await _f.SignIn.SignInAsync("analyst", IdentityFixture.Password, Remote));
        string code = _f.CodeNow(secret);
        Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.CompleteTotpAsync(first.Ticket, code, Remote));

        var second = Assert.IsType<SignInResult.TotpRequired>(await _f.SignIn.SignInAsync("analyst", IdentityFixture.Password, Remote));
        Assert.IsType<SignInResult.Failed>(await _f.SignIn.CompleteTotpAsync(second.Ticket, code, Remote));

        // The previous step's code is older than the one used: also a replay.
        Assert.IsType<SignInResult.Failed>(await _f.SignIn.CompleteTotpAsync(second.Ticket, _f.CodeNow(secret, TimeSpan.FromSeconds(-30)), Remote));
        Assert.Contains(await _f.AuditEntries("signin.totp"), e => e.Record.Detail!.Contains("replay", StringComparison.Ordinal));

        _f.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.CompleteTotpAsync(second.Ticket, _f.CodeNow(secret), Remote));
    }

    [Fact]
    public async Task Wrong_totp_codes_count_towards_lockout()
    {
        _f.CreateUser("analyst", Role.SocAnalyst, null);
        (_, string secret) = await _f.SignInWithTotpSetup("analyst");
        var ticket = Assert.IsType<SignInResult.TotpRequired>(await _f.SignIn.SignInAsync("analyst", IdentityFixture.Password, Remote));
        string wrong = _f.CodeNow(secret) == "123456" ? "654321" : "123456";
        for (int i = 0; i < 4; i++)
        {
            Assert.IsType<SignInResult.Failed>(await _f.SignIn.CompleteTotpAsync(ticket.Ticket, wrong, Remote));
        }

        Assert.IsType<SignInResult.LockedOut>(await _f.SignIn.CompleteTotpAsync(ticket.Ticket, wrong, Remote));
        _f.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.IsType<SignInResult.LockedOut>(await _f.SignIn.CompleteTotpAsync(ticket.Ticket, _f.CodeNow(secret), Remote));
    }

    [Fact]
    public async Task A_ticket_expires_and_completes_only_one_sign_in()
    {
        _f.CreateUser("analyst", Role.SocAnalyst, null);
        (_, string secret) = await _f.SignInWithTotpSetup("analyst");
        _f.Clock.Advance(TimeSpan.FromSeconds(30));

        var late = Assert.IsType<SignInResult.TotpRequired>(await _f.SignIn.SignInAsync("analyst", IdentityFixture.Password, Remote));
        Assert.Equal(_f.Clock.GetUtcNow() + TimeSpan.FromMinutes(5), late.ExpiresAt);
        _f.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.IsType<SignInResult.Failed>(await _f.SignIn.CompleteTotpAsync(late.Ticket, _f.CodeNow(secret), Remote));
        Assert.IsType<SignInResult.Failed>(await _f.SignIn.CompleteTotpAsync("not-a-ticket", _f.CodeNow(secret), Remote));
    }

    [Fact]
    public async Task Sessions_end_after_thirty_idle_minutes_and_slide_with_use()
    {
        _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
        DateTimeOffset t = _f.Clock.GetUtcNow();

        Assert.NotNull(await _f.SignIn.ValidateSessionAsync(ok.SessionToken, Remote, t.AddMinutes(29)));
        Assert.NotNull(await _f.SignIn.ValidateSessionAsync(ok.SessionToken, Remote, t.AddMinutes(58)));
        Assert.Null(await _f.SignIn.ValidateSessionAsync(ok.SessionToken, Remote, t.AddMinutes(88)));

        // Gone for good: going back in time does not revive it.
        Assert.Null(await _f.SignIn.ValidateSessionAsync(ok.SessionToken, Remote, t.AddMinutes(59)));
    }

    [Fact]
    public async Task A_check_no_person_caused_does_not_keep_an_idle_session_alive()
    {
        _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
        DateTimeOffset t = _f.Clock.GetUtcNow();

        // A console page refreshing itself every few minutes sees the session, without extending it.
        for (int minutes = 5; minutes < 30; minutes += 5)
        {
            Assert.NotNull(await _f.SignIn.ValidateSessionAsync(ok.SessionToken, Remote, t.AddMinutes(minutes), slide: false));
        }

        Assert.Null(await _f.SignIn.ValidateSessionAsync(ok.SessionToken, Remote, t.AddMinutes(31), slide: false));
        Assert.Null(await _f.SignIn.ValidateSessionAsync(ok.SessionToken, Remote, t.AddMinutes(31)));
    }

    [Fact]
    public async Task Sessions_end_twelve_hours_after_sign_in_however_active()
    {
        _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
        DateTimeOffset t = _f.Clock.GetUtcNow();
        Assert.Equal(t.AddHours(12), ok.ExpiresAt);
        for (int minutes = 20; minutes < 12 * 60; minutes += 20)
        {
            Assert.NotNull(await _f.SignIn.ValidateSessionAsync(ok.SessionToken, Remote, t.AddMinutes(minutes)));
        }

        Assert.Null(await _f.SignIn.ValidateSessionAsync(ok.SessionToken, Remote, t.AddHours(12)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("ymr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Unknown_session_tokens_are_refused(string? token) =>
        Assert.Null(await _f.SignIn.ValidateSessionAsync(token, Remote, _f.Clock.GetUtcNow()));

    [Fact]
    public async Task Sign_out_ends_the_session_and_is_audited()
    {
        _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));

        Assert.True(await _f.SignIn.SignOutAsync(ok.SessionToken, Remote));
        Assert.Null(await _f.SignIn.ValidateSessionAsync(ok.SessionToken, Remote, _f.Clock.GetUtcNow()));
        Assert.False(await _f.SignIn.SignOutAsync(ok.SessionToken, Remote));
        Assert.Single(await _f.AuditEntries("signout"));
    }

    [Fact]
    public async Task Only_the_hash_of_a_session_token_is_stored()
    {
        _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
        byte[] raw = Convert.FromBase64String(ok.SessionToken.Replace('-', '+').Replace('_', '/') + "=");
        byte[] db = _f.DatabaseBytes();
        Assert.Equal(-1, db.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(ok.SessionToken)));
        Assert.Equal(-1, db.AsSpan().IndexOf(raw));
        Assert.NotEqual(-1, db.AsSpan().IndexOf(System.Security.Cryptography.SHA256.HashData(raw)));
    }

    [Fact]
    public async Task A_hash_made_under_old_parameters_is_upgraded_at_sign_in()
    {
        UserView user = _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        var stronger = new IdentityOptions { PasswordHash = IdentityFixture.FastHash with { Iterations = 2 } };
        var signIn = new SignInService(_f.Users, _f.Sessions, _f.Audit, _f.Protector, stronger, _f.Clock);

        Assert.IsType<SignInResult.Succeeded>(await signIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
        string hash = (await _f.Users.FindByIdAsync(user.Id))!.PasswordHash;
        Assert.StartsWith("$argon2id$v=19$m=64,t=2,p=1$", hash, StringComparison.Ordinal);
        Assert.IsType<SignInResult.Succeeded>(await signIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
    }

    [Fact]
    public async Task Changing_ones_own_password_clears_the_flag_and_ends_other_sessions()
    {
        _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        var first = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
        var second = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));

        Assert.False(await _f.SignIn.ChangePasswordAsync(first.Actor, "not-the-password", "a-brand-new-passphrase", first.SessionToken));
        Assert.Throws<ArgumentException>(() => _f.SignIn.ChangePasswordAsync(first.Actor, IdentityFixture.Password, "short", first.SessionToken).AsTask().GetAwaiter().GetResult());
        Assert.True(await _f.SignIn.ChangePasswordAsync(first.Actor, IdentityFixture.Password, "a-brand-new-passphrase", first.SessionToken));

        DateTimeOffset now = _f.Clock.GetUtcNow();
        Assert.NotNull(await _f.SignIn.ValidateSessionAsync(first.SessionToken, Remote, now));
        Assert.Null(await _f.SignIn.ValidateSessionAsync(second.SessionToken, Remote, now));
        var again = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", "a-brand-new-passphrase", Remote));
        Assert.False(again.MustChangePassword);
        Assert.IsType<SignInResult.Failed>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
    }

    [Fact]
    public async Task Results_never_print_their_secrets()
    {
        _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        _f.CreateUser("analyst", Role.SocAnalyst, null);
        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
        var setup = Assert.IsType<SignInResult.TotpSetupRequired>(await _f.SignIn.SignInAsync("analyst", IdentityFixture.Password, Remote));
        var done = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.CompleteTotpAsync(setup.Ticket, _f.CodeNow(setup.SecretBase32), Remote));
        var required = Assert.IsType<SignInResult.TotpRequired>(await _f.SignIn.SignInAsync("analyst", IdentityFixture.Password, Remote));

        Assert.DoesNotContain(ok.SessionToken, ok.ToString(), StringComparison.Ordinal);
        Assert.Contains("viewer.a", ok.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(setup.Ticket, setup.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(setup.SecretBase32, setup.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(done.SessionToken, done.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(required.Ticket, required.ToString(), StringComparison.Ordinal);

        User stored = (await _f.Users.FindByLoginAsync("analyst"))!;
        Assert.DoesNotContain("argon2", stored.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("TotpSecret", stored.ToString(), StringComparison.Ordinal);
        var request = new NewUser("someone", "Someone", Role.TownViewer, _f.A.Id, "secret-password-xyz");
        Assert.DoesNotContain("secret-password-xyz", request.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_over_long_password_fails_even_when_it_starts_with_the_right_one()
    {
        _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        string longer = IdentityFixture.Password + new string('x', PasswordPolicy.MaxLength);
        Assert.IsType<SignInResult.Failed>(await _f.SignIn.SignInAsync("viewer.a", longer, Remote));
        Assert.IsType<SignInResult.Failed>(await _f.SignIn.SignInAsync("viewer.a", null, Remote));
    }

    [Fact]
    public async Task The_new_password_must_differ_from_the_current_one()
    {
        _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        var ok = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await _f.SignIn.ChangePasswordAsync(ok.Actor, IdentityFixture.Password, IdentityFixture.Password, ok.SessionToken));
        Assert.Equal("password", ex.ParamName);
    }

    [Fact]
    public async Task Purging_removes_dead_sessions_and_tickets_only()
    {
        _f.CreateUser("viewer.a", Role.TownViewer, _f.A);
        _f.CreateUser("analyst", Role.SocAnalyst, null);
        var idle = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));
        Assert.IsType<SignInResult.TotpSetupRequired>(await _f.SignIn.SignInAsync("analyst", IdentityFixture.Password, Remote));
        _f.Clock.Advance(TimeSpan.FromMinutes(31));
        var fresh = Assert.IsType<SignInResult.Succeeded>(await _f.SignIn.SignInAsync("viewer.a", IdentityFixture.Password, Remote));

        Assert.Equal(2, await _f.SignIn.PurgeExpiredAsync());
        Assert.NotNull(await _f.SignIn.ValidateSessionAsync(fresh.SessionToken, Remote, _f.Clock.GetUtcNow()));
        Assert.Null(await _f.SignIn.ValidateSessionAsync(idle.SessionToken, Remote, _f.Clock.GetUtcNow()));
    }
}

public sealed class UnknownLoginAuditTests : IDisposable
{
    private readonly IdentityFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task A_password_typed_into_the_login_box_never_reaches_the_audit_log()
    {
        const string typedByMistake = "karuizawa2026spring";
        Assert.IsType<SignInResult.Failed>(await _f.SignIn.SignInAsync(typedByMistake, "whatever-password", "198.51.100.7"));
        Assert.IsType<SignInResult.Failed>(await _f.SignIn.SignInAsync(typedByMistake, "other-password", "198.51.100.7"));

        IReadOnlyList<Yamori.Cloud.Audit.AuditEntry> entries = await _f.AuditEntries("signin.password");
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.DoesNotContain(typedByMistake, e.Record.ActorName + e.Record.ActorId + e.Record.Detail, StringComparison.OrdinalIgnoreCase));
        Assert.Contains("19 chars", entries[0].Record.ActorName, StringComparison.Ordinal);

        // The same text gives the same fingerprint, so repeated tries of one name stay visible.
        Assert.Equal(entries[0].Record.ActorName, entries[1].Record.ActorName);
    }
}
