import Foundation
import Testing
@testable import fleetctl

@Suite struct FDForwardCommandTests {
    @Test func needsExactlyOneSocket() async {
        let result = await TestCluster().run("fd-forward")
        #expect(result.status == 1)
        #expect(result.stderr == "Provide a single argument\n")
        let two = await TestCluster().run("fd-forward", "/a", "/b")
        #expect(two.stderr == "Provide a single argument\n")
    }

    @Test func aSocketThatIsNotThereIsReportedAsTheOriginalDid() async {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("none-\(UUID().uuidString).sock").path
        let result = await TestCluster().run("fd-forward", path)
        #expect(result.status == 0)
        #expect(result.stderr.hasPrefix("Failed dialing remote address: "))
    }
}
