using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Capstan.Bench.Api.Targets;

/// <summary>
/// etcd v3 over gRPC, keys laid out the way kube-apiserver lays them out (/registry/configmaps/&lt;ns&gt;/&lt;name&gt;).
/// One channel (one HTTP/2 connection) multiplexes all clients, as kube-apiserver's etcd client does.
/// </summary>
public sealed class EtcdTarget : IBenchTarget
{
    private readonly GrpcChannel _channel;
    private readonly KV.KVClient _kv;
    private readonly Watch.WatchClient _watch;
    private readonly ObjectPayload _payload;

    private EtcdTarget(GrpcChannel channel, ObjectPayload payload)
    {
        _channel = channel;
        _kv = new KV.KVClient(channel);
        _watch = new Watch.WatchClient(channel);
        _payload = payload;
    }

    public static EtcdTarget Create(Uri clientUrl, ObjectPayload payload) =>
        new(GrpcChannel.ForAddress(clientUrl, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false, ConnectTimeout = TimeSpan.FromSeconds(5) },
        }), payload);

    private static string Prefix(string ns) => $"/registry/configmaps/{ns}/";

    public Task EnsureNamespaceAsync(string ns, CancellationToken ct) => Task.CompletedTask;

    public async Task CreateAsync(string ns, string name, CancellationToken ct)
    {
        var put = new PutRequest
        {
            Key = ByteString.CopyFromUtf8(Prefix(ns) + name),
            Value = UnsafeByteOperations.UnsafeWrap(_payload.ConfigMapJson(ns, name)),
        };
        await _kv.PutAsync(put, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct).ConfigureAwait(false);
    }

    public async Task ReadAsync(string ns, string name, CancellationToken ct)
    {
        var range = await _kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(Prefix(ns) + name) }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct).ConfigureAwait(false);
        if (range.Kvs.Count != 1)
        {
            throw new InvalidOperationException($"get {ns}/{name}: {range.Kvs.Count} keys");
        }
    }

    public async Task<IAsyncDisposable> WatchAsync(string ns, Action<string> onCreated, CancellationToken ct)
    {
        var prefix = Prefix(ns);
        var key = ByteString.CopyFromUtf8(prefix);
        var now = await _kv.RangeAsync(new RangeRequest { Key = key, CountOnly = true }, cancellationToken: ct).ConfigureAwait(false);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var call = _watch.Watch(cancellationToken: stop.Token);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = key, RangeEnd = PrefixEnd(prefix), StartRevision = now.Header.Revision + 1 },
        }, ct).ConfigureAwait(false);
        if (!await call.ResponseStream.MoveNext(ct).ConfigureAwait(false) || !call.ResponseStream.Current.Created)
        {
            throw new InvalidOperationException("etcd did not confirm the watch");
        }

        var reader = Task.Run(() => ReadEventsAsync(call, prefix.Length, onCreated, stop.Token), CancellationToken.None);
        return new WatchHandle(stop, reader, [call]);
    }

    private static async Task ReadEventsAsync(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call, int prefixLength, Action<string> onCreated, CancellationToken ct)
    {
        while (await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
        {
            foreach (var ev in call.ResponseStream.Current.Events)
            {
                if (ev.Type == Mvccpb.Event.Types.EventType.Put && ev.Kv.CreateRevision == ev.Kv.ModRevision)
                {
                    onCreated(ev.Kv.Key.ToStringUtf8()[prefixLength..]);
                }
            }
        }
    }

    private static ByteString PrefixEnd(string prefix)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        bytes[^1]++;
        return ByteString.CopyFrom(bytes);
    }

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }
}
