using System.Text.Json;
using Yamori.Cloud.Audit;
using Yamori.Cloud.Enrollment;
using Yamori.Cloud.Identity;
using Yamori.Cloud.Notifications;
using Yamori.Cloud.Tenancy;
using Yamori.SocConsole.Localization;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Tenants;

/// <summary>Towns, segments, enrollment tokens and contacts through the console's view, against a real cloud.</summary>
public sealed class TenantsViewTests : IAsyncLifetime
{
    private AdminCloud _cloud = null!;

    private TenantsView View => _cloud.Get<TenantsView>();

    public async Task InitializeAsync() => _cloud = await AdminCloud.StartAsync();

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task The_enrollment_token_secret_is_returned_once_and_never_listed_or_audited()
    {
        CreatedToken created = (await View.CreateTokenAsync(_cloud.AdminA, _cloud.TownA.Id, _cloud.Cloud.SegmentA.Id, 24, 3))!;
        Assert.StartsWith("ymt_", created.Secret, StringComparison.Ordinal);
        Assert.Matches("^[0-9A-F]{64}$", created.CaSha256);
        Assert.DoesNotContain(created.Secret, created.ToString(), StringComparison.Ordinal);
        Assert.Equal((3, 3, "admin-a"), (created.Token.MaxUses, created.Token.UsesLeft, created.Token.CreatedBy));

        TownDetail detail = (await View.GetTownAsync(_cloud.AdminA, _cloud.TownA.Id))!;
        TokenRow listed = Assert.Single(detail.Tokens!);
        Assert.Equal(created.Token.Id, listed.Id);
        Assert.DoesNotContain(created.Secret, JsonSerializer.Serialize(detail.Tokens), StringComparison.Ordinal);
        Assert.DoesNotContain(typeof(TokenRow).GetProperties(), p => p.Name.Contains("Secret", StringComparison.OrdinalIgnoreCase));

        IReadOnlyList<AuditEntry> log = await _cloud.AuditAsync();
        AuditEntry audited = log.Single(e => e.Record.Action == "enrollment-token.create");
        Assert.Equal((_cloud.TownA.Id, created.Token.Id.ToString()), (audited.Record.Tenant!.Value, audited.Record.TargetId));
        Assert.All(log, e => Assert.DoesNotContain(created.Secret, $"{e.Record.Before}{e.Record.After}{e.Record.Detail}", StringComparison.Ordinal));

        // The secret works: redeeming it is what an agent's enrollment does.
        TokenRedemption redeemed = await _cloud.Get<IEnrollmentTokenStore>().RedeemAsync(EnrollmentTokenSecret.TryHash(created.Secret)!, DateTimeOffset.UtcNow);
        Assert.True(redeemed.Succeeded);

        Assert.True(await View.RevokeTokenAsync(_cloud.AdminA, _cloud.TownA.Id, created.Token.Id));
        Assert.Empty((await View.GetTownAsync(_cloud.AdminA, _cloud.TownA.Id))!.Tokens!);
        Assert.Single(await _cloud.AuditAsync(), e => e.Record.Action == "enrollment-token.delete");
    }

    [Fact]
    public async Task Town_B_never_sees_or_touches_town_A_tokens_contacts_or_segments()
    {
        CreatedToken token = (await View.CreateTokenAsync(_cloud.AdminA, _cloud.TownA.Id, _cloud.Cloud.SegmentA.Id, 24, 1))!;
        ContactSnapshot contact = (await View.AddContactAsync(_cloud.AdminA, _cloud.TownA.Id, "情報政策課", "security@chiyoda.example.lg.jp", null, null, Severity.High))!;

        Assert.Null(await View.GetTownAsync(_cloud.AdminB, _cloud.TownA.Id));
        Assert.Null(await View.GetTownAsync(_cloud.AdminB, TenantId.New()));
        Assert.Equal([_cloud.TownB.Id], (await View.ListTownsAsync(_cloud.AdminB)).Select(t => t.Id));
        TownDetail own = (await View.GetTownAsync(_cloud.AdminB, _cloud.TownB.Id))!;
        Assert.Empty(own.Tokens!);
        Assert.Empty(own.Contacts);
        Assert.Equal([_cloud.Cloud.SegmentB.Id], own.Segments.Select(s => s.Id));

        Assert.False(await View.RevokeTokenAsync(_cloud.AdminB, _cloud.TownA.Id, token.Token.Id));
        Assert.False(await View.RevokeTokenAsync(_cloud.AdminB, _cloud.TownB.Id, token.Token.Id));
        Assert.False(await View.RemoveContactAsync(_cloud.AdminB, _cloud.TownB.Id, contact.Id.Value));
        Assert.Null(await View.PutSegmentAsync(_cloud.AdminB, _cloud.TownA.Id, _cloud.Cloud.SegmentA.Id, SegmentKind.Internet, "奪取", "0.0.0.0/0"));
        await Assert.ThrowsAsync<TenantInputException>(() => View.CreateTokenAsync(_cloud.AdminB, _cloud.TownB.Id, _cloud.Cloud.SegmentA.Id, 24, 1));

        // Even the SOC cannot remove A's contact through B's page.
        Assert.False(await View.RemoveContactAsync(_cloud.SocAdmin, _cloud.TownB.Id, contact.Id.Value));

        TownDetail a = (await View.GetTownAsync(_cloud.SocAnalyst, _cloud.TownA.Id))!;
        Assert.Null(a.Tokens);
        Assert.Equal(contact.Id, Assert.Single(a.Contacts).Id);
        Assert.Equal("LGWAN接続系", Assert.Single(a.Segments).Name);
        Assert.Single((await View.GetTownAsync(_cloud.SocAdmin, _cloud.TownA.Id))!.Tokens!);
    }

    [Fact]
    public async Task An_invalid_cidr_is_refused_with_a_clear_message_and_nothing_is_saved()
    {
        TenantInputException bad = await Assert.ThrowsAsync<TenantInputException>(
            () => View.PutSegmentAsync(_cloud.AdminA, _cloud.TownA.Id, _cloud.Cloud.SegmentA.Id, SegmentKind.Lgwan, "LGWAN接続系", "10.1.0.0/16, 10.9.0.0/33"));
        Assert.Equal(("Tenants.Error.Cidr", "10.9.0.0/33"), (bad.Key, bad.Value));
        Assert.Equal("「10.9.0.0/33」はCIDRではありません (例: 10.0.0.0/16)。何も保存していません。", TenantErrors.Message(UiText.For("ja"), bad));
        Assert.Contains("\"10.9.0.0/33\" is not a CIDR", TenantErrors.Message(UiText.For("en"), bad), StringComparison.Ordinal);
        await Assert.ThrowsAsync<TenantInputException>(() => View.PutSegmentAsync(_cloud.AdminA, _cloud.TownA.Id, null, SegmentKind.Internet, "インターネット接続系", "example.lg.jp"));

        Segment segment = Assert.Single((await View.GetTownAsync(_cloud.AdminA, _cloud.TownA.Id))!.Segments);
        Assert.Equal(["10.1.0.0/16"], segment.Cidrs.Select(c => c.ToString()));
        Assert.DoesNotContain(await _cloud.AuditAsync(), e => e.Record.Action == "segment.put");
    }

    [Fact]
    public async Task A_segment_change_is_saved_for_the_town_and_audited_with_before_and_after()
    {
        Segment changed = (await View.PutSegmentAsync(_cloud.AdminA, _cloud.TownA.Id, _cloud.Cloud.SegmentA.Id, SegmentKind.Lgwan, "LGWAN接続系", "10.1.0.0/16\n10.3.0.0/24"))!;
        Segment added = (await View.PutSegmentAsync(_cloud.AdminA, _cloud.TownA.Id, null, SegmentKind.MyNumber, "マイナンバー利用事務系", "172.16.0.0/20"))!;

        IReadOnlyList<Segment> segments = (await View.GetTownAsync(_cloud.AdminA, _cloud.TownA.Id))!.Segments;
        Assert.Equal([added.Id, changed.Id], segments.Select(s => s.Id));
        Assert.Equal(["10.1.0.0/16", "10.3.0.0/24"], segments[1].Cidrs.Select(c => c.ToString()));

        AuditEntry first = (await _cloud.AuditAsync()).First(e => e.Record.Action == "segment.put");
        IReadOnlyList<AuditDiffLine> diff = AuditDiff.Compute(first.Record.Before, first.Record.After);
        AuditDiffLine cidrs = diff.Single(l => l.Field == "cidrs");
        Assert.Equal(AuditChange.Changed, cidrs.Change);
        Assert.Contains("10.3.0.0/24", cidrs.After, StringComparison.Ordinal);
        Assert.Equal(AuditChange.Same, diff.Single(l => l.Field == "name").Change);
    }

    [Fact]
    public async Task Read_only_roles_see_the_town_but_may_not_change_it_and_are_told_why()
    {
        TownDetail detail = (await View.GetTownAsync(_cloud.ViewerA, _cloud.TownA.Id))!;
        Assert.Null(detail.Tokens);
        AccessDeniedException segment = await Assert.ThrowsAsync<AccessDeniedException>(
            () => View.PutSegmentAsync(_cloud.ViewerA, _cloud.TownA.Id, null, SegmentKind.Internet, "x", "10.5.0.0/16"));
        Assert.Equal("town-viewer may not change segments", segment.Message);
        await Assert.ThrowsAsync<AccessDeniedException>(() => View.CreateTokenAsync(_cloud.SocAnalyst, _cloud.TownA.Id, _cloud.Cloud.SegmentA.Id, 24, 1));
        await Assert.ThrowsAsync<ContactAccessDeniedException>(() => View.AddContactAsync(_cloud.ViewerA, _cloud.TownA.Id, "x", "x@example.lg.jp", null, null, Severity.Low));
        await Assert.ThrowsAsync<AccessDeniedException>(() => View.CreateTownAsync(_cloud.AdminA, "012025", "函館市", 180));

        Assert.Single((await View.GetTownAsync(_cloud.AdminA, _cloud.TownA.Id))!.Segments);
        Assert.Empty((await View.GetTownAsync(_cloud.AdminA, _cloud.TownA.Id))!.Contacts);
        Assert.Equal(2, (await View.ListTownsAsync(_cloud.SocAdmin)).Count);
        Assert.Equal(4, (await _cloud.AuditAsync()).Count(e => e.Record.Action == "api.refused"));
    }

    [Fact]
    public async Task A_soc_admin_registers_a_town_with_a_valid_code_only()
    {
        TenantInputException code = await Assert.ThrowsAsync<TenantInputException>(() => View.CreateTownAsync(_cloud.SocAdmin, "12345", "函館市", 180));
        Assert.Equal("Tenants.Error.Code", code.Key);
        await Assert.ThrowsAsync<TenantInputException>(() => View.CreateTownAsync(_cloud.SocAdmin, "012025", " ", 180));
        await Assert.ThrowsAsync<TenantInputException>(() => View.CreateTownAsync(_cloud.SocAdmin, "012025", "函館市", 0));
        await Assert.ThrowsAsync<InvalidOperationException>(() => View.CreateTownAsync(_cloud.SocAdmin, "131016", "千代田区", 180));

        Tenant town = await View.CreateTownAsync(_cloud.SocAdmin, "012025", "函館市", 400);
        Assert.Equal(3, (await View.ListTownsAsync(_cloud.SocAnalyst)).Count);
        AuditEntry audited = Assert.Single(await _cloud.AuditAsync(), e => e.Record.Action == "tenant.create");
        Assert.Equal(town.Id, audited.Record.Tenant);
        Assert.Equal("函館市", JsonDocument.Parse(audited.Record.After!).RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Contacts_are_validated_by_the_store_and_their_changes_audited()
    {
        ArgumentException email = await Assert.ThrowsAsync<ArgumentException>(() => View.AddContactAsync(_cloud.AdminA, _cloud.TownA.Id, "課", "not-an-address", null, null, Severity.High));
        Assert.Contains("email", email.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => View.AddContactAsync(_cloud.AdminA, _cloud.TownA.Id, "課", null, "http://example.lg.jp/hook", null, Severity.High));

        ContactSnapshot hook = (await View.AddContactAsync(_cloud.AdminA, _cloud.TownA.Id, "チャット", null, "https://chat.example.lg.jp/hooks/secret-path", "0123456789abcdef0123", Severity.Critical))!;
        Assert.Equal("https://chat.example.lg.jp/***", hook.WebhookUrl!.ToString());
        Assert.True(hook.HasWebhookSecret);
        Assert.Equal(Severity.Critical, Assert.Single((await View.GetTownAsync(_cloud.ViewerA, _cloud.TownA.Id))!.Contacts).MinimumSeverity);

        Assert.True(await View.RemoveContactAsync(_cloud.AdminA, _cloud.TownA.Id, hook.Id.Value));
        IReadOnlyList<AuditEntry> log = await _cloud.AuditAsync();
        Assert.Equal(["contact.create", "contact.delete"], log.Where(e => e.Record.Action.StartsWith("contact.", StringComparison.Ordinal)).Select(e => e.Record.Action));
        Assert.All(log, e => Assert.DoesNotContain("secret-path", $"{e.Record.Before}{e.Record.After}", StringComparison.Ordinal));
    }
}
