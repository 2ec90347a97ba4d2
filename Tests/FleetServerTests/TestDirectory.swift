import FleetTesting
import Foundation

/// A fresh directory under /tmp, removed by `remove()`. Short paths keep unix socket paths
/// under the 108-byte limit.
struct TestDirectory {
    let url: URL

    init() throws {
        url = URL(fileURLWithPath: "/tmp").appendingPathComponent("fs-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Runs `body` with a fresh directory, removing it afterwards.
func withTestDirectory<R>(_ body: (TestDirectory) async throws -> R) async throws -> R {
    let directory = try TestDirectory()
    defer { directory.remove() }
    return try await body(directory)
}

extension TestCertificates {
    init(in directory: TestDirectory) async throws { try await self.init(directory: directory.url.path) }
}
