using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Osprey.Core.Pipeline;
using Osprey.Core.Rpc;
using Osprey.Modules.Ctl;
using Osprey.Modules.Jsonrpcs;
using Osprey.Modules.XhttpProm;

namespace Osprey.Modules.Xhttp;

/// <summary>
/// The running control plane: JSON-RPC over HTTP (and <c>/metrics</c>), the jsonrpcs FIFO and datagram
/// socket, and binrpc ctl sockets, all serving one <see cref="RpcRegistry"/>. Start it once the SIP
/// server is set up with <see cref="StartAsync"/>; dispose it to close every socket it opened.
/// </summary>
public sealed class ControlPlane : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _parts = [];
    private WebApplication? _http;

    private ControlPlane(RpcRegistry registry, CoreRpcCommands? core)
    {
        Registry = registry;
        Core = core;
    }

    public RpcRegistry Registry { get; }

    /// <summary>The core commands (null when the registry already had them).</summary>
    public CoreRpcCommands? Core { get; }

    /// <summary>The HTTP listener's address (with the real port), or null when HTTP is off.</summary>
    public IPEndPoint? HttpEndPoint { get; private set; }

    /// <summary>The ctl sockets served.</summary>
    internal CtlServer? Ctl { get; private set; }

    /// <summary>
    /// Registers the core commands (<c>core.*</c>, <c>system.*</c>, <c>stats.*</c>) unless present, opens every
    /// configured transport, and returns the running control plane. When one transport cannot start,
    /// those already started are closed and the error says which and why.
    /// </summary>
    public static async Task<ControlPlane> StartAsync(SipServer server, ControlSettings settings, RpcRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(registry);
        var core = registry.TryGet("core.version", out _) ? null : CoreRpcCommands.Register(registry, server);
        if (!registry.TryGet("jsonrpc.echo", out _))
        {
            registry.Register(new RpcCommand("jsonrpc.echo", "Returns its parameters (a JSON-RPC transport test).", rpc =>
            {
                for (int i = 0; i < rpc.ParamCount; i++)
                    rpc.Add(rpc.Param(i).ToString());
            }, "[value]...", "jsonrpcs"));
        }
        var plane = new ControlPlane(registry, core);
        try
        {
            await plane.StartParts(server, settings).ConfigureAwait(false);
        }
        catch
        {
            await plane.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return plane;
    }

    private async Task StartParts(SipServer server, ControlSettings settings)
    {
        if (settings.CtlSockets.Count > 0)
        {
            var ctl = new CtlServer(Registry, settings.CtlMode);
            _parts.Add(ctl);
            Ctl = ctl;
            foreach (var text in settings.CtlSockets)
            {
                if (!CtlEndpoint.TryParse(text, out var ep, out string error))
                    throw new InvalidOperationException(error);
                string? err = ctl.Listen(ep!);
                if (err is not null)
                    throw new InvalidOperationException(err);
            }
            if (!Registry.TryGet("ctl.listen", out _))
                ctl.RegisterCommands(Registry);
            Core?.AddWorker("ctl handler");
        }
        if (!string.IsNullOrEmpty(settings.FifoName))
        {
            var fifo = new JsonRpcFifoServer(Registry, settings.FifoName, settings.FifoReplyDir, settings.PrettyFormat);
            string? err = fifo.Start(settings.FifoMode);
            if (err is not null)
                throw new InvalidOperationException(err);
            _parts.Add(fifo);
            Core?.AddWorker("JSONRPCS FIFO");
        }
        if (!string.IsNullOrEmpty(settings.DgramSocket))
        {
            var dgram = new JsonRpcDatagramServer(Registry, settings.DgramSocket, settings.PrettyFormat);
            string? err = dgram.Start(settings.DgramMode);
            if (err is not null)
                throw new InvalidOperationException(err);
            _parts.Add(dgram);
            Core?.AddWorker("JSONRPCS DATAGRAM");
        }
        if (settings.HttpPort is int port)
        {
            await StartHttp(server, settings, port).ConfigureAwait(false);
            Core?.AddWorker("http control " + HttpEndPoint);
        }
    }

    private async Task StartHttp(SipServer server, ControlSettings settings, int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = settings.MaxRequestBodySize;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.Limits.MaxConcurrentConnections = 256;
            k.Listen(settings.HttpAddress, port);
        });
        var app = builder.Build();
        string? rpcPath = settings.RpcPath;
        string? metricsPath = settings.MetricsPath;
        var prom = settings.Prometheus;
        app.Run(ctx =>
        {
            if (!Allowed(settings, ctx.Connection.RemoteIpAddress))
            {
                ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            }
            if (settings.XhttpRoute is { } route && (settings.XhttpRoutesUrl is not { } routes || routes(ctx.Request.Path.Value + ctx.Request.QueryString.Value)))
                return ServeRoute(ctx, server, settings, route);
            var path = ctx.Request.Path.Value ?? "/";
            if (metricsPath is not null && path == metricsPath)
                return ServeMetrics(ctx, server, prom);
            if (rpcPath is not null && (path == rpcPath || path == rpcPath + "/"))
                return ServeRpc(ctx, settings);
            ctx.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        await app.StartAsync().ConfigureAwait(false);
        _http = app;
        var addresses = app.Services.GetService(typeof(IServer)) is IServer s ? s.Features.Get<IServerAddressesFeature>()?.Addresses : null;
        var first = addresses?.FirstOrDefault();
        int realPort = first is not null ? new Uri(first).Port : port;
        HttpEndPoint = new IPEndPoint(settings.HttpAddress, realPort);
    }

    /// <summary>Loopback clients always; others when the allow-list names their network.</summary>
    internal static bool Allowed(ControlSettings settings, IPAddress? remote)
    {
        if (remote is null) return false;
        if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
        if (IPAddress.IsLoopback(remote)) return true;
        foreach (var net in settings.HttpAllow)
        {
            if (net.Contains(remote)) return true;
        }
        return false;
    }

    /// <summary>An HTTP request through <c>event_route[xhttp:request]</c>; 404 when the route sends no reply.</summary>
    private async Task ServeRoute(HttpContext ctx, SipServer server, ControlSettings settings, XhttpRouteRunner route)
    {
        byte[] body;
        try
        {
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms, ctx.RequestAborted).ConfigureAwait(false);
            body = ms.ToArray();
        }
        catch (BadHttpRequestException ex)
        {
            ctx.Response.StatusCode = ex.StatusCode;
            return;
        }
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var h in ctx.Request.Headers)
        {
            foreach (var v in h.Value)
                headers.Add(new(h.Key, v ?? ""));
        }
        var remote = ctx.Connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip, ctx.Connection.RemotePort) : null;
        var exchange = new XhttpExchange(ctx.Request.Method, ctx.Request.Path.Value + ctx.Request.QueryString.Value, ctx.Request.Protocol, headers, body, remote, server, Registry, settings.PrettyFormat, settings.Prometheus);
        try
        {
            await Task.Run(() => exchange.Run(route), ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            Osprey.Core.Logging.Logger.Process.Error("xhttp", "event_route[xhttp:request] failed: " + ex);
            ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }
        if (exchange.ReplyStatus is not int status)
        {
            ctx.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        ctx.Response.StatusCode = status;
        var reason = ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>();
        if (reason is not null && exchange.ReplyReason.Length > 0)
            reason.ReasonPhrase = exchange.ReplyReason;
        if (exchange.ReplyContentType.Length > 0)
            ctx.Response.ContentType = exchange.ReplyContentType;
        await ctx.Response.Body.WriteAsync(exchange.ReplyBody, ctx.RequestAborted).ConfigureAwait(false);
    }

    private static async Task ServeMetrics(HttpContext ctx, SipServer server, XhttpPromModule? prom)
    {
        if (!HttpMethods.IsGet(ctx.Request.Method) && !HttpMethods.IsHead(ctx.Request.Method))
        {
            ctx.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        var sb = new StringWriter(new StringBuilder(16 * 1024), System.Globalization.CultureInfo.InvariantCulture) { NewLine = "\n" };
        PrometheusText.Write(sb, server, prom);
        ctx.Response.ContentType = PrometheusText.ContentType;
        await ctx.Response.WriteAsync(sb.ToString(), ctx.RequestAborted).ConfigureAwait(false);
    }

    private async Task ServeRpc(HttpContext ctx, ControlSettings settings)
    {
        if (!HttpMethods.IsPost(ctx.Request.Method))
        {
            ctx.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            ctx.Response.Headers.Allow = "POST";
            return;
        }
        if (ctx.Request.ContentLength > settings.MaxRequestBodySize)
        {
            // Refused from the header alone; the body is never read.
            ctx.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            ctx.Response.Headers.Connection = "close";
            return;
        }
        byte[] body;
        try
        {
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms, ctx.RequestAborted).ConfigureAwait(false);
            body = ms.ToArray();
        }
        catch (BadHttpRequestException ex)
        {
            ctx.Response.StatusCode = ex.StatusCode;
            return;
        }
        var request = JsonRpcRequest.TryParse(body, out int code, out string message, out string? idJson);
        ctx.Response.ContentType = "application/json";
        if (request is null)
        {
            using var ms = new MemoryStream();
            JsonRpcResponseWriter.WriteErrorResponse(ms, idJson, code, message, settings.PrettyFormat);
            await ctx.Response.Body.WriteAsync(ms.GetBuffer().AsMemory(0, (int)ms.Length), ctx.RequestAborted).ConfigureAwait(false);
            return;
        }
        if (request.IsNotification)
        {
            await Task.Run(() => JsonRpcDispatcher.Handle(Registry, request, Stream.Null, false, ctx.RequestAborted)).ConfigureAwait(false);
            ctx.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        // The handler writes synchronously into a pipe on a pool thread; the response copies it out as it
        // comes, so a large dump streams with back-pressure instead of being built in memory.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024));
        var aborted = ctx.RequestAborted;
        var producer = Task.Run(() =>
        {
            try
            {
                using var s = pipe.Writer.AsStream(leaveOpen: true);
                JsonRpcDispatcher.Handle(Registry, request, s, settings.PrettyFormat, aborted);
                pipe.Writer.Complete();
            }
            catch (Exception ex)
            {
                pipe.Writer.Complete(ex);
            }
        }, CancellationToken.None);
        try
        {
            await pipe.Reader.CopyToAsync(ctx.Response.Body, aborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // the client went away, or the handler's output failed mid-way
        }
        finally
        {
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_http is not null)
        {
            using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            {
                try
                {
                    await _http.StopAsync(cts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
            await _http.DisposeAsync().ConfigureAwait(false);
            _http = null;
        }
        for (int i = _parts.Count - 1; i >= 0; i--)
            await _parts[i].DisposeAsync().ConfigureAwait(false);
        _parts.Clear();
    }
}
