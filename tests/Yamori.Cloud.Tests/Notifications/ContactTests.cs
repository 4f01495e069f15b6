using Yamori.Cloud.Notifications;
using Yamori.Cloud.Tenancy;

namespace Yamori.Cloud.Tests.Notifications;

public sealed class ContactTests : IAsyncLifetime
{
    private readonly NotificationFixture _f = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Town_admin_manages_own_contacts_and_changes_carry_before_and_after_without_the_secret()
    {
        NotificationContact contact = _f.Contact(_f.TownA, "kato");
        ContactChange created = await _f.Contacts.CreateAsync(_f.AdminA, contact);
        Assert.Null(created.Before);
        Assert.True(created.After!.HasWebhookSecret);
        Assert.DoesNotContain(NotificationFixture.SecretA, created.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(NotificationFixture.SecretA, contact.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(NotificationFixture.SecretA, System.Text.Json.JsonSerializer.Serialize(created), StringComparison.Ordinal);

        ContactChange? updated = await _f.Contacts.UpdateAsync(_f.AdminA, contact with { Name = "加藤", WebhookSecret = null, MinimumSeverity = Severity.High });
        Assert.Equal("kato", updated!.Before!.Name);
        Assert.Equal("加藤", updated.After!.Name);
        NotificationContact stored = (await _f.Contacts.GetAsync(TenantScope.For(_f.TownA), contact.Id))!;
        Assert.Equal(NotificationFixture.SecretA, stored.WebhookSecret);
        Assert.Equal(Severity.High, stored.MinimumSeverity);

        ContactChange? deleted = await _f.Contacts.DeleteAsync(_f.AdminA, contact.Id);
        Assert.Equal("加藤", deleted!.Before!.Name);
        Assert.Null(deleted.After);
        Assert.Null(await _f.Contacts.GetAsync(TenantScope.AllTenants, contact.Id));
    }

    [Fact]
    public async Task Another_town_cannot_see_change_or_delete_a_towns_contacts()
    {
        NotificationContact contact = _f.Contact(_f.TownA, "kato");
        await _f.Contacts.CreateAsync(_f.AdminA, contact);
        TenantScope townB = TenantScope.For(_f.TownB);

        Assert.Null(await _f.Contacts.GetAsync(townB, contact.Id));
        Assert.Empty(await _f.Contacts.ListAsync(townB));
        Assert.Null(await _f.Contacts.UpdateAsync(_f.AdminB, contact with { Tenant = _f.TownB, Name = "pwned" }));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _f.Contacts.UpdateAsync(_f.AdminB, contact with { Name = "pwned" }));
        Assert.Null(await _f.Contacts.DeleteAsync(_f.AdminB, contact.Id));
        await Assert.ThrowsAsync<TenantScopeException>(async () => await _f.Contacts.CreateAsync(_f.AdminB, _f.Contact(_f.TownA, "mole")));

        NotificationContact unchanged = (await _f.Contacts.GetAsync(TenantScope.For(_f.TownA), contact.Id))!;
        Assert.Equal("kato", unchanged.Name);
        Assert.Single(await _f.Contacts.ListAsync(TenantScope.For(_f.TownA)));
        Assert.Single(await _f.Contacts.ListAsync(_f.Analyst.Scope));
    }

    [Fact]
    public async Task Viewers_read_only_and_the_soc_manages_any_town()
    {
        NotificationContact contact = _f.Contact(_f.TownA, "kato");
        await Assert.ThrowsAsync<ContactAccessDeniedException>(async () => await _f.Contacts.CreateAsync(_f.ViewerA, contact));
        await _f.Contacts.CreateAsync(_f.Analyst, contact);
        Assert.Single(await _f.Contacts.ListAsync(_f.ViewerA.Scope));
        await Assert.ThrowsAsync<ContactAccessDeniedException>(async () => await _f.Contacts.UpdateAsync(_f.ViewerA, contact with { Name = "x" }));
        await Assert.ThrowsAsync<ContactAccessDeniedException>(async () => await _f.Contacts.DeleteAsync(_f.ViewerA, contact.Id));
        Assert.NotNull(await _f.Contacts.DeleteAsync(_f.Analyst, contact.Id));
    }

    [Theory]
    [InlineData("not-an-address", null, "Email")]
    [InlineData("Kato <kato@example.lg.jp>", null, "Email")]
    [InlineData("kato@example.lg.jp\r\nBcc: x@y.jp", null, "Email")]
    [InlineData(null, "http://hooks.example.jp/x", "WebhookUrl")]
    [InlineData(null, "ftp://127.0.0.1/x", "WebhookUrl")]
    [InlineData(null, "https://user:pw@hooks.example.jp/x", "WebhookUrl")]
    [InlineData(null, null, "Email")]
    public async Task Invalid_contacts_are_refused_naming_the_field(string? email, string? url, string field)
    {
        NotificationContact contact = _f.Contact(_f.TownA, "kato") with { Email = email, WebhookUrl = url is null ? null : new Uri(url) };
        ArgumentException ex = await Assert.ThrowsAsync<ArgumentException>(async () => await _f.Contacts.CreateAsync(_f.AdminA, contact));
        Assert.Equal(field, ex.ParamName);
        Assert.Empty(await _f.Contacts.ListAsync(TenantScope.AllTenants));
    }

    [Theory]
    [InlineData("https://hooks.example.jp/yamori")]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://[::1]/hook")]
    public async Task Https_and_loopback_http_webhooks_are_accepted(string url)
    {
        NotificationContact contact = _f.Contact(_f.TownA, "kato") with { WebhookUrl = new Uri(url) };
        await _f.Contacts.CreateAsync(_f.AdminA, contact);
        Assert.Equal(new Uri(url), (await _f.Contacts.GetAsync(TenantScope.For(_f.TownA), contact.Id))!.WebhookUrl);
    }

    [Fact]
    public async Task A_short_webhook_secret_is_refused()
    {
        NotificationContact contact = _f.Contact(_f.TownA, "kato") with { WebhookSecret = "short" };
        ArgumentException ex = await Assert.ThrowsAsync<ArgumentException>(async () => await _f.Contacts.CreateAsync(_f.AdminA, contact));
        Assert.Equal("WebhookSecret", ex.ParamName);
        Assert.DoesNotContain("short", ex.Message, StringComparison.Ordinal);
    }
}

public sealed class ContactSnapshotTests
{
    [Fact]
    public void A_snapshot_keeps_the_webhook_host_but_not_its_path_or_secret()
    {
        var contact = new NotificationContact(
            ContactId.New(), Yamori.Cloud.Tenancy.TenantId.New(), "情報政策係", null,
            new Uri("https://hooks.slack.example/services/T000/B000/XXXXSECRETXXXX"), "webhook-secret-0123456789", Severity.High, true);
        ContactSnapshot snapshot = contact.ToSnapshot();
        Assert.Equal(new Uri("https://hooks.slack.example/***"), snapshot.WebhookUrl);
        Assert.True(snapshot.HasWebhookSecret);
        Assert.DoesNotContain("SECRET", System.Text.Json.JsonSerializer.Serialize(snapshot), StringComparison.Ordinal);
    }
}
