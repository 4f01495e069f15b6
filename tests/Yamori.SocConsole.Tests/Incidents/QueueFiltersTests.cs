using Bunit;
using Microsoft.AspNetCore.Components;
using Yamori.Cloud.Incidents;
using Yamori.Cloud.Tenancy;
using Yamori.Sigma.Rules;
using Yamori.SocConsole.Components.Incidents;
using Yamori.SocConsole.Localization;
using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Incidents;

public sealed class QueueFiltersTests : IDisposable
{
    private static readonly Tenant Karuizawa = new(TenantId.New(), MunicipalityCode.Parse("203211"), "軽井沢町", 180, DateTimeOffset.UnixEpoch);
    private static readonly Tenant Obuse = new(TenantId.New(), MunicipalityCode.Parse("205419"), "小布施町", 180, DateTimeOffset.UnixEpoch);
    private readonly BunitContext _context = new();
    private IncidentFilter? _raised;

    [Fact]
    public void Ticking_a_status_adds_it_and_unticking_removes_it()
    {
        IRenderedComponent<QueueFilters> cut = Render(IncidentFilter.Open);
        Assert.True(cut.Find("[data-testid=status-New]").HasAttribute("checked"));
        Assert.False(cut.Find("[data-testid=status-Resolved]").HasAttribute("checked"));

        cut.Find("[data-testid=status-Resolved]").Change(true);
        Assert.Equal([IncidentStatus.New, IncidentStatus.Investigating, IncidentStatus.Responding, IncidentStatus.Resolved], _raised!.Statuses);

        Render(_raised).Find("[data-testid=status-New]").Change(false);
        Assert.Equal([IncidentStatus.Investigating, IncidentStatus.Responding, IncidentStatus.Resolved], _raised.Statuses);
    }

    [Fact]
    public void Severity_age_and_assignee_selections_become_the_filter_and_reset_returns_to_all_open()
    {
        IRenderedComponent<QueueFilters> cut = Render(IncidentFilter.Open, assignees: [("u-1", "analyst1")]);

        cut.Find("[data-testid=min-severity]").Change("High");
        Assert.Equal(SigmaLevel.High, _raised!.MinSeverity);

        Render(_raised, assignees: [("u-1", "analyst1")]).Find("[data-testid=age]").Change("24");
        Assert.Equal(TimeSpan.FromHours(24), _raised.MaxAge);
        Assert.Equal(SigmaLevel.High, _raised.MinSeverity);

        Render(_raised, assignees: [("u-1", "analyst1")]).Find("[data-testid=assignee]").Change("u-1");
        Assert.Equal("u-1", _raised.Assignee);

        Render(_raised).Find("[data-testid=min-severity]").Change("");
        Assert.Null(_raised.MinSeverity);

        Render(_raised).Find("[data-testid=reset-filters]").Click();
        Assert.Equal(IncidentFilter.Open, _raised);
    }

    [Fact]
    public void The_town_filter_is_offered_only_to_someone_who_sees_more_than_one_town()
    {
        Assert.Empty(Render(IncidentFilter.Open, towns: [Karuizawa]).FindAll("[data-testid=town]"));

        IRenderedComponent<QueueFilters> soc = Render(IncidentFilter.Open, towns: [Karuizawa, Obuse]);
        Assert.Equal(["", Karuizawa.Id.ToString(), Obuse.Id.ToString()], soc.FindAll("[data-testid=town] option").Select(o => o.GetAttribute("value")!));
        soc.Find("[data-testid=town]").Change(Obuse.Id.ToString());
        Assert.Equal(Obuse.Id, _raised!.Town);
    }

    [Fact]
    public void The_filter_becomes_the_store_query()
    {
        var now = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
        IncidentQuery open = IncidentFilter.Open.ToQuery(now, 100, null);
        Assert.Equal([IncidentStatus.New, IncidentStatus.Investigating, IncidentStatus.Responding], open.Statuses!);
        Assert.Null(open.CreatedFrom);
        Assert.Null(open.Assignee);

        var filter = new IncidentFilter([], SigmaLevel.Medium, Obuse.Id, "  u-1 ", TimeSpan.FromDays(7), IncidentSort.Severity);
        IncidentQuery query = filter.ToQuery(now, 50, "cursor-1");
        Assert.Null(query.Statuses);
        Assert.Equal(SigmaLevel.Medium, query.MinSeverity);
        Assert.Equal(Obuse.Id, query.Tenant);
        Assert.Equal("u-1", query.Assignee);
        Assert.Equal(now.AddDays(-7), query.CreatedFrom);
        Assert.Equal(IncidentSort.Severity, query.Sort);
        Assert.Equal((50, "cursor-1"), (query.Limit, query.Cursor));
    }

    private IRenderedComponent<QueueFilters> Render(IncidentFilter filter, IReadOnlyList<Tenant>? towns = null, IReadOnlyList<(string, string)>? assignees = null) =>
        _context.Render<QueueFilters>(p => p
            .Add(x => x.Filter, filter)
            .Add(x => x.FilterChanged, EventCallback.Factory.Create<IncidentFilter>(this, f => _raised = f))
            .Add(x => x.Towns, towns ?? [])
            .Add(x => x.Assignees, assignees ?? [])
            .AddCascadingValue(UiText.For("ja")));

    public void Dispose() => _context.Dispose();
}
