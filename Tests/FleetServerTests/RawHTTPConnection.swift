import Foundation
import NIOCore
import NIOPosix

/// One response as read off the wire.
struct RawResponse {
    var status: Int
    /// Header names lowercased.
    var headers: [String: String]
    var body: [UInt8]
    /// The chunks of a chunked body, as framed by the server.
    var chunks: [[UInt8]] = []
    /// Whether a chunked body ended with its terminating zero-length chunk.
    var chunkedBodyEnded = false

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A bare HTTP/1.1 connection: writes bytes as given and parses responses itself, so tests
/// see framing, keep-alive and closes exactly as the server sends them.
struct RawHTTPConnection {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    enum Endpoint {
        case unix(String)
        case tcp(port: Int)
    }

    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var pending: [UInt8] = []
    private(set) var isClosedByServer = false

    /// Connects, runs `body`, closes.
    static func with<R>(_ endpoint: Endpoint, _ body: (inout RawHTTPConnection) async throws -> R) async throws -> R {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        let channel = switch endpoint {
        case .unix(let path): try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: initializer)
        case .tcp(let port): try await bootstrap.connect(host: "127.0.0.1", port: port, channelInitializer: initializer)
        }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = RawHTTPConnection(inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&connection)
        }
    }

    private init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.inbound = inbound
        self.outbound = outbound
    }

    func send(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    func send(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Sends a request with a Content-Length body.
    func sendRequest(_ method: String, _ target: String, body: String? = nil, headers: [String] = []) async throws {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: fleet\r\n"
        for header in headers { text += header + "\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        try await send(text)
    }

    /// Reads one response.
    mutating func readResponse() async throws -> RawResponse {
        var response = try await readHead()
        if response.headers["transfer-encoding"]?.lowercased() == "chunked" {
            while let chunk = try await readChunk() {
                response.chunks.append(chunk)
                response.body += chunk
            }
            response.chunkedBodyEnded = true
        } else if let length = response.headers["content-length"].flatMap(Int.init) {
            response.body = try await readExactly(length)
        } else if response.status != 204 && response.status != 304 && response.status >= 200 {
            response.body = try await readToEnd()
        }
        return response
    }

    /// Reads a response's status line and headers only.
    mutating func readHead() async throws -> RawResponse {
        let headText = String(decoding: try await readUntil(Array("\r\n\r\n".utf8)), as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusParts = lines.removeFirst().split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "bad status line in \(headText)")
        }
        var headers: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return RawResponse(status: status, headers: headers, body: [])
    }

    /// Reads one chunk of a chunked body; nil for the terminating zero-length chunk.
    mutating func readChunk() async throws -> [UInt8]? {
        let sizeLine = String(decoding: try await readUntil(Array("\r\n".utf8)), as: UTF8.self)
        guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
            throw Failure(description: "bad chunk size \(sizeLine)")
        }
        if size == 0 {
            _ = try await readUntil(Array("\r\n".utf8))
            return nil
        }
        let chunk = try await readExactly(size)
        _ = try await readExactly(2)
        return chunk
    }

    /// Whether the server closes the connection without sending anything more.
    mutating func serverClosesConnection() async throws -> Bool {
        let rest = try await readToEnd()
        return rest.isEmpty && isClosedByServer
    }

    private mutating func fill() async throws -> Bool {
        guard let buffer = try await inbound.next() else {
            isClosedByServer = true
            return false
        }
        pending += buffer.readableBytesView
        return true
    }

    private mutating func readUntil(_ delimiter: [UInt8]) async throws -> [UInt8] {
        while true {
            if let range = firstRange(of: delimiter) {
                let head = Array(pending[..<range.lowerBound])
                pending.removeSubrange(..<range.upperBound)
                return head
            }
            guard try await fill() else { throw Failure(description: "connection closed before \(delimiter)") }
        }
    }

    private mutating func readExactly(_ count: Int) async throws -> [UInt8] {
        while pending.count < count {
            guard try await fill() else { throw Failure(description: "connection closed with \(pending.count) of \(count) bytes") }
        }
        defer { pending.removeFirst(count) }
        return Array(pending.prefix(count))
    }

    private mutating func readToEnd() async throws -> [UInt8] {
        do {
            while try await fill() {}
        } catch {
            isClosedByServer = true  // a reset also ends the connection
        }
        defer { pending = [] }
        return pending
    }

    private func firstRange(of delimiter: [UInt8]) -> Range<Int>? {
        guard pending.count >= delimiter.count else { return nil }
        for start in 0...(pending.count - delimiter.count) where pending[start..<(start + delimiter.count)].elementsEqual(delimiter) {
            return start..<(start + delimiter.count)
        }
        return nil
    }
}
