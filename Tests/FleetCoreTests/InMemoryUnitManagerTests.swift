import Testing
import FleetCore

private let simple = "[Unit]\nDescription=test\n\n[Service]\nExecStart=/bin/sleep 1000\n"

/// Collects what a manager reports through `stateChanges()`.
private actor Changes {
    private(set) var all: [UnitStateChange] = []
    func append(_ change: UnitStateChange) { all.append(change) }
    func states(of name: String) -> [String] { all.filter { $0.name == name }.map(\.state.description) }
}

/// Starts collecting a fake's state changes; returns the collector and a stop function.
private func collect(_ fake: InMemoryUnitManager) async -> (Changes, Task<Void, Never>) {
    let changes = Changes()
    let stream = await fake.stateChanges()
    let task = Task { for await change in stream { await changes.append(change) } }
    return (changes, task)
}

/// The fake reports synchronously; yielding lets the collecting task catch up.
private func settle() async {
    for _ in 0..<20 { await Task.yield() }
}

@Suite struct InMemoryUnitManagerTests {
    @Test func writingReportsCreatedUnchangedModifiedAndOnlyAChangeNeedsAReload() async throws {
        let fake = InMemoryUnitManager()
        #expect(try await fake.writeUnit("a.service", contents: simple) == .created)
        #expect(await fake.needsReload == false)
        #expect(try await fake.writeUnit("a.service", contents: simple) == .unchanged)
        #expect(try await fake.writeUnit("a.service", contents: simple + "# changed\n") == .modified)
        #expect(await fake.needsReload)
        #expect(try await fake.reloadIfNeeded())
        #expect(try await fake.reloadIfNeeded() == false)
        #expect(await fake.reloadCount == 1)
        #expect(try await fake.managedUnits() == ["a.service"])
    }

    @Test func invalidNamesAreRefusedAndNothingIsWritten() async {
        let fake = InMemoryUnitManager()
        await #expect(throws: UnitManagerError.self) {
            _ = try await fake.writeUnit("../x.service", contents: simple)
        }
        #expect(await fake.files.isEmpty)
        #expect(await fake.calls.isEmpty)
    }

    @Test func loadStartStopWalkSystemdsStatesAndAreRecorded() async throws {
        let fake = InMemoryUnitManager()
        let (changes, task) = await collect(fake)
        defer { task.cancel() }
        #expect(try await fake.load("a.service") == .notFound)
        _ = try await fake.writeUnit("a.service", contents: simple)
        #expect(try await fake.load("a.service") == SystemdUnitState(loadState: "loaded", activeState: "inactive", subState: "dead"))
        try await fake.start("a.service")
        try await fake.stop("a.service")
        await settle()
        #expect(await changes.states(of: "a.service") == [
            "loaded/inactive/dead", "loaded/activating/start", "loaded/active/running",
            "loaded/deactivating/stop-sigterm", "loaded/inactive/dead",
        ])
        #expect(await fake.calls == [
            .load("a.service"), .writeUnit("a.service"), .load("a.service"), .start("a.service"), .stop("a.service"),
        ])
    }

    @Test func restartStopsARunningUnitThenStartsIt() async throws {
        let fake = InMemoryUnitManager()
        let (changes, task) = await collect(fake)
        defer { task.cancel() }
        _ = try await fake.writeUnit("a.service", contents: simple)
        try await fake.restart("a.service")
        try await fake.restart("a.service")
        await settle()
        let running = ["loaded/activating/start", "loaded/active/running"]
        let stopping = ["loaded/deactivating/stop-sigterm", "loaded/inactive/dead"]
        #expect(await changes.states(of: "a.service") == ["loaded/inactive/dead"] + running + stopping + running)
        #expect(await fake.calls.last == .restart("a.service"))
    }

    @Test func aFailingUnitStaysFailedUntilRemoved() async throws {
        let fake = InMemoryUnitManager()
        _ = try await fake.writeUnit("bad.service", contents: simple)
        await fake.failStart(of: "bad.service")
        try await fake.start("bad.service")
        #expect(try await fake.states(of: ["bad.service"])["bad.service"]?.description == "loaded/failed/failed")
        try await fake.stop("bad.service")
        #expect(try await fake.states(of: ["bad.service"])["bad.service"]?.isFailed == true)
        try await fake.unload(["bad.service"])
        #expect(try await fake.states(of: ["bad.service"])["bad.service"] == .notFound)
    }

    @Test func aServiceWithoutExecStartIsRejectedWithALoadError() async throws {
        let fake = InMemoryUnitManager()
        _ = try await fake.writeUnit("noexec.service", contents: "[Service]\nType=simple\n")
        _ = try await fake.writeUnit("good.service", contents: simple)
        let state = try await fake.load("noexec.service")
        #expect(state.loadState == "bad-setting")
        #expect(state.loadError == "Unit noexec.service has a bad unit file setting.")
        await #expect {
            try await fake.start("noexec.service")
        } throws: { ($0 as? UnitManagerError)?.code == .loadFailed }
        try await fake.start("good.service")
        #expect(try await fake.states(of: ["good.service"])["good.service"]?.isActive == true)
    }

    @Test func rejectFileSetsSystemdsMessage() async throws {
        let fake = InMemoryUnitManager()
        await fake.rejectFile(of: "x.service", message: "Unit x.service has a bad unit file setting.")
        _ = try await fake.writeUnit("x.service", contents: simple)
        #expect(try await fake.load("x.service").loadError == "Unit x.service has a bad unit file setting.")
    }

    @Test func startingAnUnknownUnitFailsAsNotFound() async {
        let fake = InMemoryUnitManager()
        await #expect {
            try await fake.start("ghost.service")
        } throws: { ($0 as? UnitManagerError)?.code == .notFound }
    }

    @Test func instancesRunFromTheirTemplate() async throws {
        let fake = InMemoryUnitManager()
        _ = try await fake.writeUnit("web@.service", contents: simple)
        try await fake.start("web@1.service")
        try await fake.start("web@2.service")
        let states = try await fake.states(of: ["web@1.service", "web@2.service", "web@.service"])
        #expect(states["web@1.service"]?.isActive == true)
        #expect(states["web@2.service"]?.isActive == true)
        #expect(states["web@.service"] == .notFound)
        await #expect(throws: UnitManagerError.self) { try await fake.start("web@.service") }
    }

    @Test func oneshotsEndExitedOrDead() async throws {
        let fake = InMemoryUnitManager()
        _ = try await fake.writeUnit("keep.service", contents: "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n")
        _ = try await fake.writeUnit("once.service", contents: "[Service]\nType=oneshot\nExecStart=/bin/true\n")
        try await fake.start("keep.service")
        try await fake.start("once.service")
        let states = try await fake.states(of: ["keep.service", "once.service"])
        #expect(states["keep.service"]?.description == "loaded/active/exited")
        #expect(states["once.service"]?.description == "loaded/inactive/dead")
    }

    @Test func aChangedFileTakesEffectOnlyAfterAReload() async throws {
        let fake = InMemoryUnitManager()
        _ = try await fake.writeUnit("a.service", contents: simple)
        _ = try await fake.load("a.service")
        _ = try await fake.writeUnit("a.service", contents: "[Service]\nType=simple\n")
        #expect(try await fake.load("a.service").isLoaded, "systemd keeps the old contents until a reload")
        try await fake.reloadIfNeeded()
        #expect(try await fake.load("a.service").loadState == "bad-setting")
    }

    @Test func aUnitCachedAsNotFoundLoadsOnceItsFileAppears() async throws {
        let fake = InMemoryUnitManager()
        #expect(try await fake.load("late.service") == .notFound)
        _ = try await fake.writeUnit("late.service", contents: simple)
        #expect(try await fake.load("late.service").isLoaded)
        #expect(await fake.reloadCount == 0)
    }

    @Test func unloadStopsRemovesAndReloadsOnce() async throws {
        let fake = InMemoryUnitManager()
        for name in ["a.service", "b.service"] {
            _ = try await fake.writeUnit(name, contents: simple)
            try await fake.start(name)
        }
        await fake.clearCalls()
        try await fake.unload(["a.service", "b.service"])
        #expect(await fake.calls == [
            .stop("a.service"), .removeUnit("a.service"), .stop("b.service"), .removeUnit("b.service"), .reload,
        ])
        #expect(try await fake.states(of: ["a.service", "b.service"]).values.allSatisfy { $0 == .notFound })
        #expect(try await fake.managedUnits().isEmpty)
    }

    @Test func aRunningUnitWhoseFileIsRemovedKeepsRunningAsNotFound() async throws {
        let fake = InMemoryUnitManager()
        _ = try await fake.writeUnit("a.service", contents: simple)
        try await fake.start("a.service")
        try await fake.removeUnit("a.service")
        try await fake.reloadIfNeeded()
        #expect(try await fake.states(of: ["a.service"])["a.service"]?.description == "not-found/active/running")
    }

    @Test func enablingAppliesOnlyAnInstallSection() async throws {
        let fake = InMemoryUnitManager()
        _ = try await fake.writeUnit("plain.service", contents: simple)
        _ = try await fake.writeUnit("boot.service", contents: simple + "\n[Install]\nWantedBy=multi-user.target\n")
        try await fake.enable("plain.service")
        #expect(await fake.needsReload == false)
        try await fake.enable("boot.service")
        #expect(await fake.enabledUnits == ["boot.service"])
        #expect(await fake.needsReload)
        try await fake.removeUnit("boot.service")
        #expect(await fake.enabledUnits.isEmpty)
        await #expect(throws: UnitManagerError.self) { try await fake.enable("ghost.service") }
    }

    @Test func handlesAThousandUnits() async throws {
        let fake = InMemoryUnitManager()
        let names = (0..<1_000).map { "u\($0).service" }
        for name in names {
            _ = try await fake.writeUnit(name, contents: simple)
            try await fake.start(name)
        }
        let states = try await fake.states(of: names)
        #expect(states.count == 1_000 && states.values.allSatisfy(\.isActive))
    }
}
