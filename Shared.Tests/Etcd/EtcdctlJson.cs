using System.Text.Json;
using Google.Protobuf.Reflection;

namespace ClusterKit.Shared.Tests.Etcd;

/// <summary>
/// Compares a message our generated code decoded with what etcdctl (decoding with etcd's own generated code) printed
/// with -w json for the same data. etcd's Go structs print proto field names, omit zero values, print 64-bit numbers
/// as numbers, bytes as base64 and a oneof as {"OneofName":{"FieldName":{...}}} in Go's camel case. A field we number
/// differently decodes to another field or to nothing, and the comparison names it.
/// </summary>
internal static class EtcdctlJson
{
    public static void AssertSame(IMessage ours, JsonElement theirs) => Compare(ours, theirs, ours.Descriptor.Name);

    private static void Compare(IMessage ours, JsonElement theirs, string path)
    {
        Assert.True(theirs.ValueKind == JsonValueKind.Object, $"{path}: etcdctl printed {theirs.ValueKind}, not an object");
        var descriptor = ours.Descriptor;
        var seen = new HashSet<FieldDescriptor>();
        foreach (var property in theirs.EnumerateObject())
        {
            if (descriptor.FindFieldByName(property.Name) is { } field)
            {
                seen.Add(field);
                CompareField(field, field.Accessor.GetValue(ours), property.Value, $"{path}.{property.Name}");
                continue;
            }

            var oneof = descriptor.Oneofs.FirstOrDefault(o => GoName(o.Name) == property.Name)
                ?? throw new Xunit.Sdk.XunitException($"{path}: etcdctl printed '{property.Name}', which {descriptor.FullName} has no field for");
            var chosen = property.Value.EnumerateObject().Single();
            var member = oneof.Fields.FirstOrDefault(f => GoName(f.Name) == chosen.Name)
                ?? throw new Xunit.Sdk.XunitException($"{path}.{property.Name}: etcdctl chose '{chosen.Name}', which oneof {oneof.Name} has no field for");
            Assert.True(oneof.Accessor.GetCaseFieldDescriptor(ours) == member, $"{path}.{property.Name}: etcdctl chose {member.Name}, ours {oneof.Accessor.GetCaseFieldDescriptor(ours)?.Name ?? "nothing"}");
            seen.Add(member);
            CompareField(member, member.Accessor.GetValue(ours), chosen.Value, $"{path}.{property.Name}.{chosen.Name}");
        }

        // etcdctl leaves out zero values; what it left out must be zero on our side too.
        foreach (var field in descriptor.Fields.InFieldNumberOrder().Where(f => !seen.Contains(f)))
        {
            var value = field.Accessor.GetValue(ours);
            Assert.True(IsZero(field, value), $"{path}.{field.Name}: etcdctl printed nothing (zero), ours is {value}");
        }
    }

    private static void CompareField(FieldDescriptor field, object? ours, JsonElement theirs, string path)
    {
        if (field.IsRepeated)
        {
            var list = ((System.Collections.IList)ours!).Cast<object>().ToList();
            Assert.True(theirs.ValueKind == JsonValueKind.Array, $"{path}: etcdctl printed {theirs.ValueKind}, not an array");
            Assert.True(list.Count == theirs.GetArrayLength(), $"{path}: etcdctl printed {theirs.GetArrayLength()} items, ours has {list.Count}");
            for (var i = 0; i < list.Count; i++)
            {
                CompareValue(field, list[i], theirs[i], $"{path}[{i}]");
            }

            return;
        }

        CompareValue(field, ours, theirs, path);
    }

    private static void CompareValue(FieldDescriptor field, object? ours, JsonElement theirs, string path)
    {
        switch (field.FieldType)
        {
            case FieldType.Message:
                Assert.True(ours is IMessage, $"{path}: etcdctl printed a {field.MessageType.Name}, ours has none");
                Compare((IMessage)ours!, theirs, path);
                break;
            case FieldType.Bytes:
                Assert.True(((ByteString)ours!).ToBase64() == theirs.GetString(), $"{path}: etcdctl {theirs}, ours {((ByteString)ours!).ToBase64()}");
                break;
            case FieldType.String:
                Assert.True((string)ours! == theirs.GetString(), $"{path}: etcdctl {theirs}, ours {ours}");
                break;
            case FieldType.Bool:
                Assert.True((bool)ours! == theirs.GetBoolean(), $"{path}: etcdctl {theirs}, ours {ours}");
                break;
            case FieldType.UInt64 or FieldType.Fixed64 or FieldType.UInt32 or FieldType.Fixed32:
                Assert.True(Convert.ToUInt64(ours, System.Globalization.CultureInfo.InvariantCulture) == theirs.GetUInt64(), $"{path}: etcdctl {theirs}, ours {ours}");
                break;
            case FieldType.Enum:
                Assert.True(Convert.ToInt64(ours, System.Globalization.CultureInfo.InvariantCulture) == theirs.GetInt64(), $"{path}: etcdctl {theirs}, ours {ours}");
                break;
            default:
                Assert.True(Convert.ToInt64(ours, System.Globalization.CultureInfo.InvariantCulture) == theirs.GetInt64(), $"{path}: etcdctl {theirs}, ours {ours}");
                break;
        }
    }

    private static bool IsZero(FieldDescriptor field, object? value) => value switch
    {
        null => true,
        System.Collections.IList list when field.IsRepeated => list.Count == 0,
        IMessage => false,
        ByteString bytes => bytes.IsEmpty,
        string text => text.Length == 0,
        bool flag => !flag,
        _ => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) == 0,
    };

    // Go's generated names: request_put -> RequestPut.
    private static string GoName(string protoName) =>
        string.Concat(protoName.Split('_').Select(part => part.Length == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..]));
}
