using ClusterKit.Proto.Manager.V1;
using Google.Protobuf;

namespace ClusterKit.Manager.Store.Tables;

/// <summary>The registry of the store's tables: each is listed here once, and found by type, enum or envelope.</summary>
public static class StoreTables
{
    /// <summary>Every table in <see cref="Table"/> order: the order of snapshots and of a store's table slots.</summary>
    public static IReadOnlyList<StoreTable> All { get; } =
    [
        NodeTable.Descriptor,
        ServiceTable.Descriptor,
        TaskTable.Descriptor,
        NetworkTable.Descriptor,
        SecretTable.Descriptor,
        ConfigTable.Descriptor,
        KvTable.Descriptor,
        ClusterTable.Descriptor,
        RegistryBlobLinkTable.Descriptor,
        RegistryManifestTable.Descriptor,
        RegistryTagTable.Descriptor,
        RegistryBlobLocationTable.Descriptor,
        RegistryCredentialTable.Descriptor,
    ];

    private static readonly Dictionary<Type, StoreTable> ByType = All.ToDictionary(t => t.ObjectType);

    // Indexed by the Table enum's and the envelope case's numbers; -1 where no table is registered.
    private static readonly int[] SlotByTable = SlotsBy(t => (int)t.Table);

    private static readonly int[] SlotByCase = SlotsBy(t => (int)t.Case);

    private static readonly string AllowedTypes = string.Join(", ", All.Select(t => t.ObjectType.Name));

    private static readonly string AllowedFields = string.Join(", ", All.Select(t => t.EnvelopeField));

    public static StoreTable<T> Of<T>()
        where T : class, IMessage<T> => Typed<T>.Table ?? throw NotAStoreObject(typeof(T));

    public static StoreTable Of(Type type)
        => ByType.TryGetValue(type, out var table) ? table : throw NotAStoreObject(type);

    public static StoreTable Of(IMessage row) => Of(row.GetType());

    public static StoreTable Of(Table table) => All[Slot(table)];

    /// <summary>The table of an envelope read from a log entry or a request.</summary>
    /// <exception cref="InvalidStoreObjectException">The envelope has no object set.</exception>
    public static StoreTable Of(StoreObject envelope)
        => (int)envelope.ObjectCase is var c && c >= 0 && c < SlotByCase.Length && SlotByCase[c] >= 0
            ? All[SlotByCase[c]]
            : throw new InvalidStoreObjectException("a store object has no object set; allowed: " + AllowedFields);

    /// <summary>The table's position in <see cref="All"/> and in a store state's slots.</summary>
    internal static int Slot(Table table)
        => (int)table is var n && n >= 0 && n < SlotByTable.Length && SlotByTable[n] >= 0
            ? SlotByTable[n]
            : throw new ArgumentOutOfRangeException(nameof(table), table, "a store table is " + string.Join(", ", All.Select(t => t.Name)));

    private static int[] SlotsBy(Func<StoreTable, int> number)
    {
        var slots = new int[All.Max(number) + 1];
        Array.Fill(slots, -1);
        for (var i = 0; i < All.Count; i++)
        {
            slots[number(All[i])] = i;
        }

        return slots;
    }

    private static ArgumentException NotAStoreObject(Type type)
        => new($"type {type.Name} is not a store object; allowed: {AllowedTypes}", nameof(type));

    private static class Typed<T>
        where T : class, IMessage<T>
    {
        public static readonly StoreTable<T>? Table = ByType.GetValueOrDefault(typeof(T)) as StoreTable<T>;
    }
}
