using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Capstan.ApiServer.Hosting;

/// <summary>
/// The response side of an in-process request: status and headers, and a body written into a pipe that the caller's
/// <see cref="HttpResponseMessage"/> reads as it is produced, so a watch streams. The response starts (the caller gets
/// its headers) at <see cref="StartAsync"/>, the first write or flush, or when the request ends.
/// </summary>
internal sealed class InProcessResponseFeature : IHttpResponseFeature, IHttpResponseBodyFeature
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StartingWriter _writer;
    private readonly Stream _stream;
    private List<(Func<object, Task> Callback, object State)>? _onStarting;
    private List<(Func<object, Task> Callback, object State)>? _onCompleted;

    public InProcessResponseFeature(Pipe pipe)
    {
        _writer = new StartingWriter(this, pipe.Writer);
        _stream = _writer.AsStream(leaveOpen: true);
    }

    /// <summary>Completes when the headers are final.</summary>
    public Task Started => _started.Task;

    public int StatusCode { get; set; } = 200;

    public string? ReasonPhrase { get; set; }

    public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

    [Obsolete("Use IHttpResponseBodyFeature.Stream")]
    public Stream Body
    {
        get => _stream;
        set => throw new NotSupportedException("the body of an in-process response cannot be replaced");
    }

    public bool HasStarted { get; private set; }

    public Stream Stream => _stream;

    public PipeWriter Writer => _writer;

    public void OnStarting(Func<object, Task> callback, object state)
    {
        if (HasStarted)
        {
            throw new InvalidOperationException("the response has already started");
        }

        (_onStarting ??= []).Add((callback, state));
    }

    public void OnCompleted(Func<object, Task> callback, object state) => (_onCompleted ??= []).Add((callback, state));

    public void DisableBuffering()
    {
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (HasStarted)
        {
            return;
        }

        if (_onStarting is { } callbacks)
        {
            // Like Kestrel: the last registered runs first.
            for (var i = callbacks.Count - 1; i >= 0; i--)
            {
                await callbacks[i].Callback(callbacks[i].State).ConfigureAwait(false);
            }
        }

        HasStarted = true;
        _started.TrySetResult();
    }

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        SendFileFallback.SendFileAsync(_stream, path, offset, count, cancellationToken);

    public async Task CompleteAsync()
    {
        await StartAsync().ConfigureAwait(false);
        await _writer.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>The request ended: start the response if nothing did, end the body, run the completion callbacks.</summary>
    public async Task FinishAsync(Exception? error)
    {
        var wasStarted = HasStarted;
        if (error is not null && !wasStarted)
        {
            // Nothing was sent yet: answer 500 as Kestrel does, with an empty body.
            StatusCode = 500;
            Headers.Clear();
        }

        await StartAsync().ConfigureAwait(false);

        // A failure after the headers went out can only cut the body short: the reader sees the error.
        await _writer.CompleteAsync(wasStarted ? error : null).ConfigureAwait(false);
        if (_onCompleted is { } callbacks)
        {
            for (var i = callbacks.Count - 1; i >= 0; i--)
            {
                try
                {
                    await callbacks[i].Callback(callbacks[i].State).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // A completion callback cannot change the response any more; Kestrel logs and goes on too.
                }
            }
        }
    }

    /// <summary>The pipe's writer that starts the response on the first write or flush, as Kestrel's does.</summary>
    private sealed class StartingWriter(InProcessResponseFeature response, PipeWriter inner) : PipeWriter
    {
        public override void Advance(int bytes)
        {
            if (!response.HasStarted)
            {
                response.StartAsync().GetAwaiter().GetResult();
            }

            inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            await response.StartAsync(cancellationToken).ConfigureAwait(false);
            return await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
