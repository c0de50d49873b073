using ClusterKit.Worker.Runtime.Users;

namespace ClusterKit.Worker.Runtime.Tests.Users;

public sealed class UserResolverTests
{
    private const string Passwd = "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/false\n# comment\napp:x:1000:1000::/home/app:/bin/sh\n";
    private const string Group = "root:x:0:\nwww:x:33:\ndocker:x:999:app,www\nstaff:x:50:app\napp:x:1000:\n";

    [Fact]
    public void No_user_is_root_with_roots_home() =>
        Assert.Equal(new ResolvedUser(0, 0, [], "/root"), UserResolver.Resolve(null, Passwd, Group) with { AdditionalGids = [] });

    [Fact]
    public void A_name_resolves_uid_gid_home_and_the_groups_that_list_it()
    {
        var user = UserResolver.Resolve("app", Passwd, Group);

        Assert.Equal((1000u, 1000u, "/home/app"), (user.Uid, user.Gid, user.Home));
        Assert.Equal([999u, 50u], user.AdditionalGids);
    }

    [Fact]
    public void A_numeric_uid_without_an_entry_gets_gid_0_and_home_slash()
    {
        var user = UserResolver.Resolve("4242", Passwd, Group);

        Assert.Equal((4242u, 0u, "/"), (user.Uid, user.Gid, user.Home));
    }

    [Theory]
    [InlineData("www:staff", 33u, 50u)]
    [InlineData("33:999", 33u, 999u)]
    [InlineData("4242:4343", 4242u, 4343u)]
    public void A_group_part_overrides_the_primary_group(string spec, uint uid, uint gid)
    {
        var user = UserResolver.Resolve(spec, Passwd, Group);

        Assert.Equal((uid, gid), (user.Uid, user.Gid));
    }

    [Fact]
    public void An_unknown_name_is_a_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => UserResolver.Resolve("nobody2", Passwd, Group));

        Assert.StartsWith("user \"nobody2\" (from --user \"nobody2\") has no entry in the image's /etc/passwd", error.Message);
    }

    [Fact]
    public void An_unknown_group_is_a_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => UserResolver.Resolve("app:wheel", Passwd, Group));

        Assert.StartsWith("group \"wheel\" (from --user \"app:wheel\") has no entry in the image's /etc/group", error.Message);
    }

    [Fact]
    public void An_image_without_passwd_still_runs_numeric_users() =>
        Assert.Equal(7u, UserResolver.Resolve("7", null, null).Uid);
}
