import FleetCore
import Foundation
import Synchronization

/// HTTP/1.1 over a child process's standard input and output: the SSH tunnel's `ssh HOST
/// fleetctl fd-forward SOCKET` (or `ssh -W host:port`). One request at a time; the connection
/// is kept alive until the server closes it or the child ends.
final class PipeHTTPConnection: @unchecked Sendable {
    // Owned by one `SSHTunnelTransport` actor, which serializes every call, or, once it hands
    // the connection to a streamed answer, by the one task reading that answer.
    private let process: Process
    private let input: FileHandle
    private var chunks: AsyncStream<Data>.Iterator
    private var buffer: [UInt8] = []
    private var ended = false
    private let killed = Mutex(false)
    /// False once the server said `Connection: close` or the child's output ended.
    private(set) var reusable = true

    /// Starts `executable` with pipes on its standard input and output; its standard error goes
    /// to `errorDescriptor`.
    init(executable: String, arguments: [String], environment: [String: String], errorDescriptor: Int32) async throws(FleetctlError) {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let toChild = Pipe(), fromChild = Pipe()
        process.standardInput = toChild
        process.standardOutput = fromChild
        process.standardError = FileHandle(fileDescriptor: errorDescriptor, closeOnDealloc: false)
        try await ChildProcess.launch(process, executable)
        input = toChild.fileHandleForWriting
        let stream = AsyncStream<Data>.makeStream()
        let output = fromChild.fileHandleForReading
        // Blocking reads stay off Swift's cooperative pool.
        DispatchQueue.global().async {
            while true {
                let data = output.availableData
                if data.isEmpty { break }
                stream.continuation.yield(data)
            }
            stream.continuation.finish()
        }
        chunks = stream.stream.makeAsyncIterator()
    }

    /// A response's status line and headers, before its body.
    struct Head {
        var status: Int
        var method: String
        var headers: [String: String]
    }

    /// Sends one request and reads its response.
    func exchange(_ request: [UInt8], method: String) async throws(FleetctlError) -> APITransportResponse {
        let head = try await send(request, method: method)
        var body: [UInt8] = []
        try await readBody(of: head) { body += $0 }
        return APITransportResponse(status: head.status, body: body)
    }

    /// Sends one request and reads the response's head; `readBody(of:_:)` reads the rest.
    func send(_ request: [UInt8], method: String) async throws(FleetctlError) -> Head {
        do {
            try input.write(contentsOf: Data(request))
        } catch {
            reusable = false
            throw FleetctlError("the tunnel closed: \(error.localizedDescription)")
        }
        let statusLine = try await line()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            reusable = false
            throw FleetctlError("malformed HTTP status line through the tunnel: \(statusLine)")
        }
        var headers: [String: String] = [:]
        while true {
            let header = try await line()
            if header.isEmpty { break }
            guard let colon = header.firstIndex(of: ":") else { continue }
            headers[header[..<colon].lowercased()] = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if headers["connection"]?.lowercased() == "close" || parts[0] == "HTTP/1.0" { reusable = false }
        return Head(status: status, method: method, headers: headers)
    }

    /// Reads the body of the response whose head `send` returned, handing each piece to `sink`
    /// as it arrives (a chunked body chunk by chunk).
    func readBody(of head: Head, _ sink: ([UInt8]) -> Void) async throws(FleetctlError) {
        if head.method == "HEAD" || head.status == 204 || head.status == 304 || (100..<200).contains(head.status) {
            return
        } else if head.headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            try await chunkedBody(sink)
        } else if let length = head.headers["content-length"].flatMap({ Int($0) }) {
            sink(try await bytes(length))
        } else {
            reusable = false
            sink(await rest())
        }
    }

    /// Ends the child: closing its input ends the remote side, which ends ssh.
    func close() {
        reusable = false
        try? input.close()
    }

    /// Ends the child at once (a request that took too long); safe from any task.
    func kill() {
        killed.withLock { $0 = true }
        if process.isRunning { process.terminate() }
    }

    /// Whether `kill` ended the child.
    var wasKilled: Bool { killed.withLock { $0 } }

    // MARK: Reading

    private func fill() async -> Bool {
        guard !ended else { return false }
        var iterator = chunks
        let next = await iterator.next()
        chunks = iterator
        guard let next else {
            ended = true
            reusable = false
            return false
        }
        buffer += next
        return true
    }

    private func line() async throws(FleetctlError) -> String {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard await fill() else { throw FleetctlError("the tunnel closed before the API answered") }
        }
    }

    private func bytes(_ count: Int) async throws(FleetctlError) -> [UInt8] {
        while buffer.count < count {
            guard await fill() else { throw FleetctlError("the tunnel closed in the middle of an answer") }
        }
        let taken = Array(buffer[..<count])
        buffer.removeSubrange(..<count)
        return taken
    }

    private func chunkedBody(_ sink: ([UInt8]) -> Void) async throws(FleetctlError) {
        while true {
            let sizeLine = try await line()
            guard let size = Int(sizeLine.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "", radix: 16) else {
                reusable = false
                throw FleetctlError("malformed chunk size through the tunnel: \(sizeLine)")
            }
            if size == 0 {
                // Trailers, up to the empty line.
                while !(try await line()).isEmpty {}
                return
            }
            sink(try await bytes(size))
            _ = try await line()
        }
    }

    private func rest() async -> [UInt8] {
        while await fill() {}
        defer { buffer.removeAll() }
        return buffer
    }
}
