using System.Text.Json;

namespace ClusterKit.Manager.Registry.Errors;

/// <summary>The spec's error body: <c>{"errors":[{"code":"...","message":"...","detail":...}]}</c>.</summary>
public static class RegistryErrorBody
{
    public const string ContentType = "application/json";

    public static byte[] Write(RegistryErrorCode code, string message, object? detail = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("errors");
            json.WriteStartObject();
            json.WriteString("code", code.WireName());
            json.WriteString("message", message);
            json.WritePropertyName("detail");
            if (detail is null)
            {
                json.WriteNullValue();
            }
            else
            {
                JsonSerializer.Serialize(json, detail, detail.GetType());
            }

            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static byte[] Write(RegistryException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return Write(error.Code, error.Message, error.Detail);
    }
}
