using ClusterKit.Proto.Worker.V1;
using ClusterKit.TestKit;
using ClusterKit.Worker.Containers;

namespace ClusterKit.Worker.Tests.Containers;

public sealed class ContainerRecordStoreTests
{
    [Fact]
    public void A_saved_record_is_on_disk_when_Save_returns_and_loads_again()
    {
        using var root = new TempDirectory();
        var record = Record("running");
        using (var store = new ContainerRecordStore(root.Combine("containers")))
        {
            store.Save(record);
            Assert.Contains("\"running\"", File.ReadAllText(RecordFile(store, record)), StringComparison.Ordinal);
        }

        using var reloaded = new ContainerRecordStore(root.Combine("containers"));
        Assert.Empty(reloaded.Load());
        Assert.Equal("running", reloaded.Find(record.Info.Id).Info.State.Status);
    }

    [Fact]
    public void A_state_is_written_on_the_writer_thread_and_the_latest_of_several_wins()
    {
        using var root = new TempDirectory();
        var record = Record("created");
        var store = new ContainerRecordStore(root.Combine("containers"));
        store.Save(record);
        for (var i = 0; i < 50; i++)
        {
            record.Info.State.Status = i % 2 == 0 ? "running" : "exited";
            record.Info.State.RestartCount = i;
            store.SaveState(record);
        }

        store.Dispose();
        var text = File.ReadAllText(RecordFile(store, record));
        Assert.Contains("\"exited\"", text, StringComparison.Ordinal);
        Assert.Contains("\"restartCount\": 49", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_queued_state_never_overwrites_a_later_saved_record()
    {
        using var root = new TempDirectory();
        var record = Record("created");
        var store = new ContainerRecordStore(root.Combine("containers"));
        store.Save(record);
        for (var i = 0; i < 200; i++)
        {
            record.Info.State.Status = "running";
            store.SaveState(record);
            record.Info.State.Status = "exited";
            record.Info.State.RestartCount = i;
            store.Save(record);
        }

        store.Dispose();
        var text = File.ReadAllText(RecordFile(store, record));
        Assert.Contains("\"exited\"", text, StringComparison.Ordinal);
        Assert.Contains("\"restartCount\": 199", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_state_of_a_removed_container_is_not_written_back()
    {
        using var root = new TempDirectory();
        var record = Record("created");
        var store = new ContainerRecordStore(root.Combine("containers"));
        store.Save(record);
        var directory = store.DirectoryOf(record.Info.Id);
        for (var i = 0; i < 20; i++)
        {
            store.SaveState(record);
        }

        // What Remove does: the directory is renamed to a trash name, then the record is forgotten.
        Directory.Move(directory, store.NewTrashPath(record.Info.Id));
        store.SaveState(record);
        store.Forget(record.Info.Id);
        store.SaveState(record);
        store.Forget(record.Info.Id);
        store.Dispose();

        Assert.False(Directory.Exists(directory), "a removed container's directory came back");
        using var reloaded = new ContainerRecordStore(root.Combine("containers"));
        Assert.Empty(reloaded.Load());
        Assert.Empty(reloaded.All);
    }

    [Fact]
    public void A_state_that_cannot_be_written_is_reported()
    {
        using var root = new TempDirectory();
        var record = Record("created");
        var failures = new List<(string Id, Exception Error)>();
        var store = new ContainerRecordStore(root.Combine("containers"), onStateWriteFailure: (id, error) => failures.Add((id, error)));
        store.Save(record);

        // A directory where the record file goes makes the rename over it fail.
        File.Delete(RecordFile(store, record));
        Directory.CreateDirectory(Path.Combine(RecordFile(store, record), "in-the-way"));
        store.SaveState(record);
        store.Dispose();

        var failure = Assert.Single(failures);
        Assert.Equal(record.Info.Id, failure.Id);
        Assert.True(failure.Error is IOException or UnauthorizedAccessException, failure.Error.ToString());
    }

    private static string RecordFile(ContainerRecordStore store, ContainerRecord record) =>
        Path.Combine(store.DirectoryOf(record.Info.Id), "container.json");

    private static ContainerRecord Record(string status) => new()
    {
        Info = new ContainerInfo
        {
            Id = Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant() + Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant(),
            Name = "records-" + Guid.NewGuid().ToString("N")[..6],
            State = new ContainerState { Status = status },
        },
    };
}
