import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks on listening sockets before NIO gets them: NIO cannot report a bad inherited
/// descriptor as an error (registering one with epoll is a `try!` there), and a unix socket
/// path needs its directory and stale file handled first.
enum ListenerSocket {
    /// Throws unless `fd` is an open stream socket in the listening state.
    static func checkInherited(_ fd: Int32) throws(APIServerError) {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw APIServerError(.inheritedListener, "inherited listener fd \(fd): \(errnoDescription())")
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw APIServerError(.inheritedListener, "inherited listener fd \(fd) is not a socket")
        }
        guard let type = socketOption(fd, SO_TYPE) else {
            throw APIServerError(.inheritedListener, "inherited listener fd \(fd): \(errnoDescription())")
        }
        guard type == streamSocketType else {
            throw APIServerError(.inheritedListener, "inherited listener fd \(fd) is not a stream socket (ListenStream=)")
        }
        guard socketOption(fd, SO_ACCEPTCONN) == 1 else {
            throw APIServerError(.inheritedListener, "inherited listener fd \(fd) is not listening")
        }
    }

    /// Throws when `path` does not fit in `sockaddr_un` (107 bytes and a NUL on Linux).
    static func checkUnixPathLength(_ path: String) throws(APIServerError) {
        let limit = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1
        guard path.utf8.count <= limit else {
            throw APIServerError(.unixSocket, "cannot bind unix socket \(path): the path is longer than \(limit) bytes")
        }
    }

    /// Makes `path` ready to bind: creates the parent directory and removes a stale socket
    /// file. Anything else at the path is left alone and reported.
    static func prepareUnixPath(_ path: String) throws(APIServerError) {
        let files = FileManager.default
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty {
            do {
                try files.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw APIServerError(.unixSocket, "cannot create directory \(parent) for unix socket \(path): \(error.localizedDescription)")
            }
        }
        // attributesOfItem does not follow symlinks, so a link is "not a socket".
        guard let attributes = try? files.attributesOfItem(atPath: path) else { return }
        guard attributes[.type] as? FileAttributeType == .typeSocket else {
            throw APIServerError(.unixSocket, "cannot bind unix socket \(path): the path exists and is not a socket")
        }
        do {
            try files.removeItem(atPath: path)
        } catch {
            throw APIServerError(.unixSocket, "cannot remove stale unix socket \(path): \(error.localizedDescription)")
        }
    }

    /// Sets the permission bits of a bound socket file.
    static func setMode(_ mode: UInt32, path: String) throws(APIServerError) {
        do {
            try FileManager.default.setAttributes([.posixPermissions: NSNumber(value: mode)], ofItemAtPath: path)
        } catch {
            throw APIServerError(.unixSocket, "cannot set mode \(String(mode, radix: 8)) on unix socket \(path): \(error.localizedDescription)")
        }
    }

    /// Removes the socket file this server bound, if it is still a socket.
    static func removeSocketFile(_ path: String) {
        let files = FileManager.default
        if let attributes = try? files.attributesOfItem(atPath: path), attributes[.type] as? FileAttributeType == .typeSocket {
            try? files.removeItem(atPath: path)
        }
    }

    private static func socketOption(_ fd: Int32, _ option: Int32) -> Int32? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, option, &value, &length) == 0 ? value : nil
    }

    private static var streamSocketType: Int32 {
        #if canImport(Glibc)
        Int32(SOCK_STREAM.rawValue)
        #else
        SOCK_STREAM
        #endif
    }

    private static func errnoDescription() -> String {
        String(cString: strerror(errno))
    }
}
