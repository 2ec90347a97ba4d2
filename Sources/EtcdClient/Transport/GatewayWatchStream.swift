import AsyncHTTPClient
import NIOCore
import SwiftProtobuf

/// One `/v3/watch` response body: newline-delimited `{"result": WatchResponse}` objects, or
/// `{"error": {...}}` when the gateway's stream to etcd failed.
final class GatewayWatchStream: EtcdWatchStream {
    let endpoint: String
    private var body: HTTPClientResponse.Body.AsyncIterator
    private var lines = LineBuffer()
    private var ended = false

    init(endpoint: String, body: HTTPClientResponse.Body) {
        self.endpoint = endpoint
        self.body = body.makeAsyncIterator()
    }

    func next() async throws(EtcdError) -> Etcdserverpb_WatchResponse? {
        while true {
            if let line = lines.nextLine() {
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { continue }
                return try decode(line)
            }
            if ended {
                // The gateway ends every message with a newline: leftovers mean a cut stream.
                if lines.rest() != nil {
                    throw EtcdError(.unavailable, operation: "watch", endpoint: endpoint, message: "watch stream ended mid-message")
                }
                return nil
            }
            do {
                if let chunk = try await body.next() {
                    lines.append(chunk)
                } else {
                    ended = true
                }
            } catch {
                if Task.isCancelled || GatewayTransport.classify(error) == .cancelled {
                    throw EtcdError(.cancelled, operation: "watch", endpoint: endpoint, message: "task cancelled")
                }
                throw EtcdError(.unavailable, operation: "watch", endpoint: endpoint, message: "watch stream broke: \(error)")
            }
        }
    }

    private func decode(_ line: [UInt8]) throws(EtcdError) -> Etcdserverpb_WatchResponse {
        let decoded: Fleet_Gateway_WatchStreamLine
        do {
            decoded = try Fleet_Gateway_WatchStreamLine(jsonUTF8Bytes: line, options: GatewayTransport.decoding)
        } catch {
            throw EtcdError(
                .decode, operation: "watch", endpoint: endpoint,
                message: "cannot decode watch message (\(error)): \(GatewayTransport.excerpt(line))")
        }
        if decoded.hasError {
            throw EtcdError.server(
                grpcCode: Int(decoded.error.grpcCode), message: decoded.error.message,
                operation: "watch", endpoint: endpoint)
        }
        guard decoded.hasResult else {
            throw EtcdError(
                .decode, operation: "watch", endpoint: endpoint,
                message: "watch message has neither result nor error: \(GatewayTransport.excerpt(line))")
        }
        return decoded.result
    }
}

/// Accumulates byte chunks and hands out complete `\n`-terminated lines.
struct LineBuffer {
    private var bytes: [UInt8] = []
    private var start = 0

    mutating func append(_ chunk: ByteBuffer) {
        if start > 0, start == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            start = 0
        }
        bytes.append(contentsOf: chunk.readableBytesView)
    }

    /// The next complete line without its newline, or `nil` if none is complete yet.
    mutating func nextLine() -> [UInt8]? {
        guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
            compact()
            return nil
        }
        let line = Array(bytes[start..<newline])
        start = newline + 1
        return line
    }

    /// Whatever is left after the last newline (a final line without one), once.
    mutating func rest() -> [UInt8]? {
        guard start < bytes.count else { return nil }
        let line = Array(bytes[start...])
        start = bytes.count
        return line
    }

    private mutating func compact() {
        if start > 0 {
            bytes.removeFirst(start)
            start = 0
        }
    }
}
