#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import FleetCore

/// The directory the agent writes unit files into (`/run/fleet/units/` by default).
///
/// Names are checked with `UnitNameRules` before any path is built from them, so a name can
/// never reach outside the directory. Plain POSIX calls: no Foundation in the static binaries.
public struct UnitFileDirectory: Sendable {
    /// The directory's path, ending in `/`.
    public let path: String

    /// - Parameter path: the directory; created on first write.
    public init(path: String = "/run/fleet/units/") {
        self.path = path.hasSuffix("/") ? path : path + "/"
    }

    /// The path of a unit's file. The name must have been validated.
    public func filePath(of name: String) -> String { path + name }

    /// The current contents of a unit's file, or `nil` when there is none.
    /// - Throws: `UnitManagerError` for a bad name or an unreadable file.
    public func contents(of name: String) throws(UnitManagerError) -> String? {
        try UnitNameRules.validate(name)
        let fd = open(filePath(of: name), O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw failure(name, "cannot read")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(name, "cannot read")
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes a unit's file atomically (temporary file, fsync, rename) unless it already holds
    /// `contents`.
    /// - Returns: what changed.
    /// - Throws: `UnitManagerError` (`.invalidName` before anything is written, `.fileSystem`).
    public func write(_ name: String, contents: String) throws(UnitManagerError) -> UnitFileWrite {
        let existing = try self.contents(of: name)
        if existing == contents { return .unchanged }
        try makeDirectory()
        let temporary = path + ".\(name).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(name, "cannot create \(temporary)") }
        let bytes = Array(contents.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let error = failure(name, "cannot write \(temporary)")
                close(fd)
                unlink(temporary)
                throw error
            }
            written += count
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard synced, rename(temporary, filePath(of: name)) == 0 else {
            let error = failure(name, "cannot write")
            unlink(temporary)
            throw error
        }
        return existing == nil ? .created : .modified
    }

    /// Removes a unit's file.
    /// - Returns: whether there was one.
    /// - Throws: `UnitManagerError`.
    @discardableResult
    public func remove(_ name: String) throws(UnitManagerError) -> Bool {
        try UnitNameRules.validate(name)
        if unlink(filePath(of: name)) == 0 { return true }
        if errno == ENOENT { return false }
        throw failure(name, "cannot remove")
    }

    /// Whether systemd can find a file for the unit here: its own, or its template's.
    public func hasFile(for name: String) -> Bool {
        if access(filePath(of: name), F_OK) == 0 { return true }
        guard let template = UnitNameRules.template(ofInstance: name) else { return false }
        return access(filePath(of: template), F_OK) == 0
    }

    /// The valid unit names among the directory's files, sorted; `[]` when it does not exist.
    /// - Throws: `UnitManagerError` when the directory exists but cannot be read.
    public func names() throws(UnitManagerError) -> [String] {
        guard let directory = opendir(path) else {
            if errno == ENOENT { return [] }
            throw failure(path, "cannot list")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if (try? UnitNameRules.validate(name)) != nil { names.append(name) }
        }
        return names.sorted()
    }

    private func makeDirectory() throws(UnitManagerError) {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw failure(path, "cannot create \(prefix)") }
        }
    }

    private func failure(_ name: String, _ what: String) -> UnitManagerError {
        let reason = String(cString: strerror(errno))
        let target = name == path ? path : filePath(of: name)
        return UnitManagerError(.fileSystem, unit: name, message: "\(what) \(target): \(reason)")
    }
}
