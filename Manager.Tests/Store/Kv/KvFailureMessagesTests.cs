using ClusterKit.Manager.Store.Kv;
using ClusterKit.Proto.Manager.V1;

namespace ClusterKit.Manager.Tests.Store.Kv;

public sealed class KvFailureMessagesTests
{
    [Fact]
    public void Every_code_travels_between_managers_unchanged()
    {
        foreach (var code in Enum.GetValues<KvErrorCode>().Where(c => c != KvErrorCode.None))
        {
            var failure = new KvFailure(code, $"message of {code}", 17);
            Assert.Equal(failure, failure.ToMessage().ToFailure());
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(-1)]
    public void A_code_this_manager_does_not_know_is_refused_by_number(int code)
    {
        var e = Assert.Throws<InvalidOperationException>(() => new KvWriteFailure { Code = code, Message = "from a newer manager" }.ToFailure());
        Assert.Contains($"code {code} (from a newer manager)", e.Message, StringComparison.Ordinal);
    }
}
