using ClusterKit.Worker.Api;
using WireSize = ClusterKit.Proto.Worker.V1.TerminalSize;

namespace ClusterKit.Worker.Tests.Api;

/// <summary>The terminal size an exec caller sends is remote input: checked before it reaches the plan.</summary>
public sealed class ExecTerminalSizeTests
{
    [Fact]
    public void A_size_is_kept()
    {
        Assert.Equal(new Runtime.TerminalSize(33, 101), ContainersApi.TerminalSizeOf(new WireSize { Rows = 33, Cols = 101 }));
    }

    [Fact]
    public void No_size_or_a_zero_side_leaves_the_pty_alone()
    {
        Assert.Null(ContainersApi.TerminalSizeOf(null));
        Assert.Null(ContainersApi.TerminalSizeOf(new WireSize { Rows = 0, Cols = 80 }));
        Assert.Null(ContainersApi.TerminalSizeOf(new WireSize { Rows = 24, Cols = 0 }));
    }

    [Fact]
    public void A_size_beyond_what_a_pty_holds_is_refused_saying_the_limit()
    {
        var error = Assert.Throws<ArgumentException>(() => ContainersApi.TerminalSizeOf(new WireSize { Rows = 70000, Cols = 80 }));

        Assert.Equal("exec terminal size 70000x80 is too large: rows and columns are at most 65535", error.Message);
    }
}
