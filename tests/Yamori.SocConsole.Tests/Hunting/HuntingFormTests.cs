using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Hunting;

public sealed class HuntingFormTests
{
    [Fact]
    public void Times_are_read_as_jst_and_the_query_string_round_trips()
    {
        var form = new HuntingForm { From = "2026-11-26T09:00", To = "2026-11-27T09:00", EventType = " process_creation ", Town = Guid.NewGuid().ToString() };
        form.Conditions[0].Field = "Image";
        form.Conditions[0].Operator = "EndsWith";
        form.Conditions[0].Value = @"\power shell&co=.exe";
        form.Conditions[2].Field = "CommandLine";
        form.Conditions[2].Operator = "contains";
        form.Conditions[2].Value = "a,b \"c\"";

        Assert.True(form.TryBuild(out HuntQuery query, out HuntError? error), error?.Key);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero), query.From);
        Assert.Equal(TimeSpan.FromDays(1), query.To - query.From);
        Assert.Equal("process_creation", query.EventType);
        Assert.Equal([new HuntCondition("Image", HuntOperator.EndsWith, @"\power shell&co=.exe"), new HuntCondition("CommandLine", HuntOperator.Contains, "a,b \"c\"")], query.AllConditions);

        // The CSV link carries exactly the query on screen.
        Dictionary<string, string> parameters = form.ToQueryString().Split('&')
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        HuntingForm back = HuntingForm.FromQuery(k => parameters.GetValueOrDefault(k));
        Assert.True(back.TryBuild(out HuntQuery again, out _));
        Assert.Equal(query.From, again.From);
        Assert.Equal(query.To, again.To);
        Assert.Equal(query.Town, again.Town);
        Assert.Equal(query.EventType, again.EventType);
        Assert.Equal(query.AllConditions, again.AllConditions);
    }

    [Theory]
    [InlineData("yesterday", "2026-11-27T09:00", HuntError.BadTime, "yesterday")]
    [InlineData("2026-11-27T09:00", "2026-11-26T09:00", HuntError.EmptyRange, "")]
    [InlineData("2020-01-01T00:00", "2026-11-26T09:00", HuntError.RangeTooLong, "400")]
    [InlineData("2026-11-26T00:00:00Z", "0001-01-01T00:00", HuntError.BadTime, "0001-01-01T00:00")]
    public void Bad_times_are_named_not_thrown(string from, string to, string key, string argument)
    {
        var form = new HuntingForm { From = from, To = to };
        Assert.False(form.TryBuild(out _, out HuntError? error));
        Assert.Equal(new HuntError(key, argument), error);
    }

    [Fact]
    public void Bad_ids_operators_and_values_without_a_field_are_named()
    {
        HuntingForm Valid() => new() { From = "2026-11-26T00:00", To = "2026-11-26T12:00" };

        HuntingForm badDevice = Valid();
        badDevice.Device = "not-a-guid";
        Assert.False(badDevice.TryBuild(out _, out HuntError? e1));
        Assert.Equal(new HuntError(HuntError.BadId, "not-a-guid"), e1);

        HuntingForm badOperator = Valid();
        badOperator.Conditions[1].Field = "Image";
        badOperator.Conditions[1].Operator = "regex";
        Assert.False(badOperator.TryBuild(out _, out HuntError? e2));
        Assert.Equal(new HuntError(HuntError.BadOperator, "regex"), e2);

        // An enum's number is not an operator name.
        badOperator.Conditions[1].Operator = "2";
        Assert.False(badOperator.TryBuild(out _, out HuntError? e3));
        Assert.Equal(HuntError.BadOperator, e3?.Key);

        HuntingForm orphan = Valid();
        orphan.Conditions[4].Value = "mimikatz";
        Assert.False(orphan.TryBuild(out _, out HuntError? e4));
        Assert.Equal(new HuntError(HuntError.NoField, "mimikatz"), e4);

        // Blank rows are simply not conditions.
        Assert.True(Valid().TryBuild(out HuntQuery empty, out _));
        Assert.Empty(empty.AllConditions);
    }

    [Fact]
    public void The_default_form_is_the_last_day_in_jst()
    {
        var now = new DateTimeOffset(2026, 11, 26, 15, 30, 0, TimeSpan.Zero);
        HuntingForm form = HuntingForm.LastDay(now);
        Assert.Equal("2026-11-26T00:30", form.From);
        Assert.True(form.TryBuild(out HuntQuery query, out _));
        Assert.Equal(now.AddDays(-1), query.From);
        Assert.True(query.To > now);
    }
}
