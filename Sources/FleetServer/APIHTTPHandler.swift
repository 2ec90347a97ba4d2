import FleetCore
import Logging
import NIOCore
import NIOHTTP1

/// Sent down a connection's pipeline when the server shuts down, after NIO's quiesce event:
/// a streaming response in progress ends so the connection can close.
struct APIServerDrainEvent: Sendable {}

/// Turns HTTP/1.1 requests into `APIRequest`s and the handlers' answers into responses.
///
/// Sits behind NIO's `HTTPServerPipelineHandler`, which delivers one request at a time on a
/// keep-alive connection and closes it after the current response when the server quiesces.
final class APIHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// What every connection shares.
    struct Settings: Sendable {
        var handler: @Sendable (APIRequest) async -> APIResponse
        var streamingHandler: StreamingHandler?
        var maxBodyBytes: Int
        var serverName: String
        var logger: Logger
    }

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        /// 413 was sent; the rest of the body (up to `remaining` bytes) is read and dropped so
        /// the client sees the response, then the connection closes.
        case discarding(remaining: Int, responseWritten: EventLoopFuture<Void>)
        case responding
        case closing
    }

    /// How much of an oversized body is read and dropped before giving up on the client.
    private static let discardLimit = 16 << 20

    private let settings: Settings
    private var state = State.idle
    private var isActive = true
    private var isDraining = false
    private var streamTask: Task<Void, Never>?

    init(settings: Settings) {
        self.settings = settings
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > settings.maxBodyBytes {
                rejectOversized(head, context: context)
                return
            }
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
            state = .receiving(head, context.channel.allocator.buffer(capacity: 0))
        case (.body(var chunk), .receiving(let head, var body)):
            guard body.readableBytes + chunk.readableBytes <= settings.maxBodyBytes else {
                rejectOversized(head, context: context)
                return
            }
            state = .idle  // drop the reference so the append does not copy
            body.writeBuffer(&chunk)
            state = .receiving(head, body)
        case (.body(let chunk), .discarding(let remaining, let written)):
            let left = remaining - chunk.readableBytes
            if left < 0 {
                closeAfter(written, context: context)
            } else {
                state = .discarding(remaining: left, responseWritten: written)
            }
        case (.end, .receiving(let head, let body)):
            state = .responding
            dispatch(head, body: body, context: context)
        case (.end, .discarding(_, let written)):
            closeAfter(written, context: context)
        default:
            break  // the rest of a request we are already closing on
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is APIServerDrainEvent {
            isDraining = true
            streamTask?.cancel()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        streamTask?.cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        isActive = false
        streamTask?.cancel()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Parse errors were answered with 400 by NIO's protocol error handler; TLS and I/O
        // errors end only this connection.
        settings.logger.debug("API connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Requests

    private enum Answer: Sendable {
        case whole(APIResponse)
        case stream(APIStreamingResponse)
    }

    private func dispatch(_ head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let request = APIRequest(method: head.method.rawValue, target: head.uri, body: Array(body.readableBytesView))
        settings.logger.debug("HTTP request", metadata: ["http.method": "\(head.method.rawValue)", "http.target": "\(head.uri)"])
        let settings = self.settings
        context.eventLoop.makeFutureWithTask { () async -> Answer in
            if let streaming = settings.streamingHandler, let stream = await streaming(request) {
                return .stream(stream)
            }
            return .whole(await settings.handler(request))
        }.assumeIsolated().whenSuccess { answer in
            guard self.isActive else { return }
            switch answer {
            case .whole(let response):
                self.respond(response, to: head, context: context)
            case .stream(let response):
                self.startStream(response, to: head, context: context)
            }
        }
    }

    private func rejectOversized(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let response = APIResponse.error(413, "request body too large (limit \(settings.maxBodyBytes) bytes)")
        // The pipeline handler accepts a response before the request's end.
        let written = write(response, version: head.version, keepAlive: false, context: context)
        if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
            closeAfter(written, context: context)  // the client will not send the body
        } else {
            state = .discarding(remaining: Self.discardLimit, responseWritten: written)
        }
    }

    private func respond(_ response: APIResponse, to head: HTTPRequestHead, context: ChannelHandlerContext) {
        var response = response
        if !(200...599).contains(response.status) {
            // A 1xx would leave the exchange open; the handler cannot mean that.
            settings.logger.error("API handler returned an invalid status", metadata: ["http.status": "\(response.status)"])
            response = .error(500, "the handler returned invalid status \(response.status)")
        }
        let keepAlive = head.isKeepAlive
        // Set before writing: writing the end lets the pipeline handler deliver the next
        // request, re-entering channelRead.
        state = keepAlive ? .idle : .closing
        // A HEAD response has the headers of the GET, Content-Length included, but no body.
        let written = write(response, version: head.version, keepAlive: keepAlive, sendBody: head.method != .HEAD, context: context)
        if !keepAlive {
            closeAfter(written, context: context)
        }
    }

    /// Writes a whole response; the future completes when its end is written.
    private func write(
        _ response: APIResponse,
        version: HTTPVersion,
        keepAlive: Bool,
        sendBody: Bool = true,
        context: ChannelHandlerContext
    ) -> EventLoopFuture<Void> {
        // 1xx, 204 and 304 have no body and no Content-Length (RFC 9110 §8.6).
        let hasBody = !(response.status < 200 || response.status == 204 || response.status == 304)
        var headers = HTTPHeaders()
        headers.add(name: "Server", value: settings.serverName)
        if let contentType = response.contentType {
            headers.add(name: "Content-Type", value: contentType)
        }
        if hasBody {
            headers.add(name: "Content-Length", value: String(response.body.count))
        }
        addConnectionHeader(&headers, version: version, keepAlive: keepAlive)
        let responseHead = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if hasBody && sendBody && !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        return context.writeAndFlush(wrapOutboundOut(.end(nil)))
    }

    private func addConnectionHeader(_ headers: inout HTTPHeaders, version: HTTPVersion, keepAlive: Bool) {
        if !keepAlive && version.hasKeepAliveByDefault {
            headers.add(name: "Connection", value: "close")
        } else if keepAlive && !version.hasKeepAliveByDefault {
            headers.add(name: "Connection", value: "keep-alive")
        }
    }

    private func closeAfter(_ written: EventLoopFuture<Void>, context: ChannelHandlerContext) {
        state = .closing
        written.assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    // MARK: Streaming

    private func startStream(_ response: APIStreamingResponse, to head: HTTPRequestHead, context: ChannelHandlerContext) {
        // HTTP/1.0 has no chunked encoding: the body ends when the connection closes.
        let chunked = head.version.hasKeepAliveByDefault
        let keepAlive = head.isKeepAlive && chunked
        var headers = HTTPHeaders()
        headers.add(name: "Server", value: settings.serverName)
        if let contentType = response.contentType {
            headers.add(name: "Content-Type", value: contentType)
        }
        if chunked {
            headers.add(name: "Transfer-Encoding", value: "chunked")
        }
        addConnectionHeader(&headers, version: head.version, keepAlive: keepAlive)
        let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.writeAndFlush(wrapOutboundOut(.head(responseHead)), promise: nil)

        let channel = context.channel
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loopBoundContext = context.loopBound
        let body = response.body
        let task = Task {
            for await chunk in body where !chunk.isEmpty {
                do {
                    try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: chunk)))).get()
                } catch {
                    break  // the client went away
                }
            }
            channel.eventLoop.execute {
                loopBoundSelf.value.finishStream(keepAlive: keepAlive, context: loopBoundContext.value)
            }
        }
        streamTask = task
        if isDraining {
            task.cancel()
        }
    }

    private func finishStream(keepAlive: Bool, context: ChannelHandlerContext) {
        streamTask = nil
        guard isActive else { return }
        state = keepAlive ? .idle : .closing
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            closeAfter(written, context: context)
        }
    }
}

extension HTTPVersion {
    /// HTTP/1.1 and later: keep-alive unless `Connection: close`, chunked encoding available.
    fileprivate var hasKeepAliveByDefault: Bool {
        major > 1 || (major == 1 && minor >= 1)
    }
}
