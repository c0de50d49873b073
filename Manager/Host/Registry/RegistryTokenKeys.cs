using System.Security.Cryptography;
using System.Text;
using ClusterKit.Manager.Host.Membership;
using ClusterKit.Manager.Registry.Auth;

namespace ClusterKit.Manager.Host.Registry;

/// <summary>
/// The key registry tokens are signed with: derived (HKDF-SHA256) from the cluster's data key, which every unlocked
/// manager holds and which is never at rest in clear, so every manager checks every other's tokens and no new secret
/// needs keeping. A locked manager (or one still fetching the data key) has none and issues or accepts no token.
/// </summary>
internal sealed class RegistryTokenKeys(DataKeyring keys)
{
    private static readonly byte[] Info = Encoding.ASCII.GetBytes("clusterkit/registry-token-signing/v1");
    private readonly Lock _gate = new();
    private (string KeyId, RegistryTokenSigner Signer)? _cached;

    public const string UnavailableMessage = "this manager does not hold the cluster's data key (it is locked or still fetching it), so it can neither issue nor check registry tokens; try another manager or `ck cluster unlock` this one";

    public RegistryTokenSigner? Current
    {
        get
        {
            var dataKey = keys.Current;
            if (dataKey is null)
            {
                return null;
            }

            lock (_gate)
            {
                if (_cached is { } cached && cached.KeyId == dataKey.Id)
                {
                    return cached.Signer;
                }

                var material = dataKey.ExportBytes();
                try
                {
                    var signer = new RegistryTokenSigner(HKDF.DeriveKey(HashAlgorithmName.SHA256, material, 32, salt: [], info: Info));
                    _cached = (dataKey.Id, signer);
                    return signer;
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(material);
                }
            }
        }
    }
}
