using System.IO.Pipelines;
using System.Net;
using Capstan.ApiServer.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Capstan.ApiServer.Hosting;

/// <summary>
/// An HTTP handler that serves requests by calling the API server's request pipeline in this process: no socket, no TLS.
/// The request is authenticated as the fixed <see cref="UserInfo"/> given here (through a request feature no network client
/// can set) and then goes through everything a network request does: authorisation, admission, validation.
/// Response bodies stream through a pipe, so watches deliver events as they happen; disposing the response (or cancelling
/// before the headers arrive) aborts the request, which ends a watch.
/// <para>It is a <see cref="DelegatingHandler"/> that never calls its inner handler, so it can be given to
/// <c>new k8s.Kubernetes(config, handler)</c>, which only accepts delegating handlers.</para>
/// </summary>
public sealed class InProcessHandler : DelegatingHandler
{
    // Backpressure like a socket's buffers: a reader that stops reading stops the writer (a watch then falls behind and is closed).
    private static readonly PipeOptions s_pipeOptions = new(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024, useSynchronizationContext: false);

    private readonly RequestDelegate _pipeline;
    private readonly UserInfo _user;
    private readonly CancellationToken _serverStopping;

    /// <param name="pipeline">The server's request pipeline (<see cref="ApiRouter.HandleAsync"/>).</param>
    /// <param name="user">Who every request is.</param>
    /// <param name="serverStopping">Aborts every request in flight (open watches) when the server stops, as Kestrel does for its connections.</param>
    public InProcessHandler(RequestDelegate pipeline, UserInfo user, CancellationToken serverStopping = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(user);
        _pipeline = pipeline;
        _user = user;
        _serverStopping = serverStopping;
    }

    /// <summary>Who every request through this handler is, as authenticated (with <c>system:authenticated</c>).</summary>
    public UserInfo User => _user;

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new InvalidOperationException("the request has no URI");
        if (!uri.IsAbsoluteUri)
        {
            throw new InvalidOperationException("the request URI must be absolute");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (_serverStopping.IsCancellationRequested)
        {
            // What a network client would see: nobody listening any more.
            throw new HttpRequestException(HttpRequestError.ConnectionError, "the API server has stopped");
        }

        var body = request.Content is null ? Stream.Null : await request.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        IHeaderDictionary headers = new HeaderDictionary();
        headers.Host = uri.Authority;
        foreach (var (name, values) in request.Headers)
        {
            headers.Append(name, values.ToArray());
        }

        if (request.Content is not null)
        {
            foreach (var (name, values) in request.Content.Headers)
            {
                headers[name] = values.ToArray();
            }

            // Content-Length is computed on first read, so enumerating the headers can miss it; handlers that read a
            // body only when one is announced (DELETE's options: gracePeriodSeconds, propagationPolicy) need it.
            if (request.Content.Headers.ContentLength is { } length)
            {
                headers.ContentLength = length;
            }
        }

        var aborted = new RequestAbort(_serverStopping);
        var pipe = new Pipe(s_pipeOptions);
        var response = new InProcessResponseFeature(pipe);
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Protocol = "HTTP/1.1",
            Scheme = uri.Scheme,
            Method = request.Method.Method,
            PathBase = "",
            Path = DecodePath(uri.AbsolutePath),
            QueryString = uri.Query,
            RawTarget = uri.PathAndQuery,
            Headers = headers,
            Body = body,
        });
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(response);
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = aborted.Token });
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            ConnectionId = "in-process",
            LocalIpAddress = IPAddress.Loopback,
            RemoteIpAddress = IPAddress.Loopback,
        });
        features.Set(new InProcessIdentityFeature(_user));
        var context = new DefaultHttpContext(features);

        var run = Task.Run(async () =>
        {
            Exception? error = null;
            try
            {
                await _pipeline(context).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                error = ex;
            }

            try
            {
                await response.FinishAsync(error).ConfigureAwait(false);
                await body.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                // The request is over whether or not the caller ever disposes the response.
                aborted.Finish();
            }
        }, CancellationToken.None);

        try
        {
            await response.Started.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            aborted.Cancel();
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            throw;
        }

        var message = new HttpResponseMessage((HttpStatusCode)response.StatusCode)
        {
            RequestMessage = request,
            Version = HttpVersion.Version11,
            Content = new StreamContent(new ResponseStream(pipe.Reader, aborted)),
        };
        if (response.ReasonPhrase is not null)
        {
            message.ReasonPhrase = response.ReasonPhrase;
        }

        foreach (var (name, values) in response.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        return message;
    }

    /// <summary>Percent-decodes a path as Kestrel does: everything but <c>%2F</c>, which would otherwise become a separator.</summary>
    private static string DecodePath(string rawPath)
    {
        if (!rawPath.Contains('%', StringComparison.Ordinal))
        {
            return rawPath;
        }

        var parts = rawPath.Split("%2F", StringSplitOptions.None);
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = string.Join("%2f", parts[i].Split("%2f").Select(Uri.UnescapeDataString));
        }

        return string.Join("%2F", parts);
    }

    /// <summary>
    /// RequestAborted of one request: cancelled when the caller hangs up or the server stops, released as soon as the
    /// request ends (its registration on the server's stop token must not outlive it).
    /// </summary>
    private sealed class RequestAbort(CancellationToken serverStopping)
    {
        private readonly CancellationTokenSource _cts = CancellationTokenSource.CreateLinkedTokenSource(serverStopping);
        private int _finished;

        public CancellationToken Token => _cts.Token;

        public void Cancel()
        {
            if (Volatile.Read(ref _finished) != 0)
            {
                return;
            }

            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The request ended meanwhile: nothing left to abort.
            }
        }

        public void Finish()
        {
            Volatile.Write(ref _finished, 1);
            _cts.Dispose();
        }
    }

    /// <summary>The response body as the caller reads it; disposing it early aborts the request (RequestAborted fires).</summary>
    private sealed class ResponseStream(PipeReader reader, RequestAbort aborted) : Stream
    {
        private readonly Stream _inner = reader.AsStream(leaveOpen: true);
        private int _disposed;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => _inner.Read(buffer);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _inner.ReadAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                // If the server is still writing (a watch), this is the client hanging up.
                aborted.Cancel();
                reader.Complete();
            }

            base.Dispose(disposing);
        }
    }
}
