using Yamori.SocConsole.Views;

namespace Yamori.SocConsole.Tests.Audit;

public sealed class AuditDiffTests
{
    [Fact]
    public void Fields_are_compared_by_dotted_path_with_arrays_kept_whole()
    {
        IReadOnlyList<AuditDiffLine> diff = AuditDiff.Compute(
            """{"name":"LGWAN","cidrs":["10.1.0.0/16"],"owner":{"login":"a","role":3},"gone":true}""",
            """{"name":"LGWAN","cidrs":["10.1.0.0/16","10.3.0.0/24"],"owner":{"login":"b","role":3},"added":1}""");
        Assert.Equal(
            [
                ("added", AuditChange.Added),
                ("cidrs", AuditChange.Changed),
                ("gone", AuditChange.Removed),
                ("name", AuditChange.Same),
                ("owner.login", AuditChange.Changed),
                ("owner.role", AuditChange.Same),
            ],
            diff.Select(l => (l.Field, l.Change)));
        AuditDiffLine login = diff.Single(l => l.Field == "owner.login");
        Assert.Equal(("a", "b"), (login.Before, login.After));
        Assert.Equal("""["10.1.0.0/16","10.3.0.0/24"]""", diff.Single(l => l.Field == "cidrs").After);
    }

    [Fact]
    public void A_create_or_delete_shows_every_field_on_one_side_and_text_that_is_not_json_is_compared_whole()
    {
        Assert.All(AuditDiff.Compute(null, """{"a":1,"b":"x"}"""), l => Assert.Equal((AuditChange.Added, (string?)null), (l.Change, l.Before)));
        Assert.All(AuditDiff.Compute("""{"a":1}""", null), l => Assert.Equal(AuditChange.Removed, l.Change));
        Assert.Empty(AuditDiff.Compute(null, null));
        AuditDiffLine text = Assert.Single(AuditDiff.Compute("not json {", "not json {"));
        Assert.Equal(("(text)", AuditChange.Same), (text.Field, text.Change));
    }
}
