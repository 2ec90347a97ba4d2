import NIOCore
import NIOPosix

/// Copies bytes both ways between a pair of file descriptors (fleetctl's standard input and
/// output) and a unix socket: `fleetctl fd-forward`, which the SSH tunnel runs on the remote
/// machine to reach the API socket there.
public enum UnixSocketForwarder {
    /// Connects to `socketPath`, then forwards until the socket closes. End of input half-closes
    /// the socket's write side, so the server still answers what was sent.
    /// - Parameters:
    ///   - socketPath: the unix socket.
    ///   - input: read from and sent to the socket (taken over and closed at the end).
    ///   - output: receives what the socket sends (taken over and closed at the end).
    /// - Throws: `SocketForwarderError`.
    public static func forward(socketPath: String, input: CInt, output: CInt) async throws(SocketForwarderError) {
        let group = MultiThreadedEventLoopGroup.singleton
        let socket: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            socket = try await ClientBootstrap(group: group)
                .channelOption(.allowRemoteHalfClosure, value: true)
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true))
                    }
                }
        } catch {
            throw SocketForwarderError(.dial, "\(error)")
        }
        let pipe: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            pipe = try await NIOPipeBootstrap(group: group)
                .channelOption(.allowRemoteHalfClosure, value: true)
                .takingOwnershipOfDescriptors(input: input, output: output) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true))
                    }
                }
        } catch {
            try? await socket.channel.close()
            throw SocketForwarderError(.copy, "\(error)")
        }
        do {
            try await socket.executeThenClose { socketIn, socketOut in
                try await pipe.executeThenClose { pipeIn, pipeOut in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await chunk in pipeIn { try await socketOut.write(chunk) }
                            socketOut.finish()
                        }
                        // The socket closing ends the session, whatever input is left.
                        for try await chunk in socketIn { try await pipeOut.write(chunk) }
                        pipeOut.finish()
                        group.cancelAll()
                    }
                }
            }
        } catch {
            throw SocketForwarderError(.copy, "\(error)")
        }
    }
}

/// Why `UnixSocketForwarder` stopped.
public struct SocketForwarderError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The socket could not be connected.
        case dial
        /// Copying failed after connecting.
        case copy
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
