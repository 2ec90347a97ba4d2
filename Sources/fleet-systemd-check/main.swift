// fleet-systemd-check: exercises SystemdBridge and SystemdUnitManager against the real systemd
// of the machine it runs in (an nspawn container made by Integration/machine). Destructive:
// it writes, starts and removes units, and re-executes systemd. Never run it on a host.
#if canImport(Glibc)
import Glibc
#endif
import FleetCore
import Logging
import FleetSystemd
import SystemdBridge

guard getenv("FLEET_SYSTEMD_CHECK") != nil else {
    say("refusing to run: set FLEET_SYSTEMD_CHECK=1 (this changes the machine's systemd; use Integration/run-systemd-tests.sh)")
    exit(2)
}

let units = UnitFileDirectory(path: "/run/fleet/units/")
let manager = SystemdUnitManager(directory: units)
let log = StateLog()
let runner = CheckRunner(timeout: .seconds(30))

let changes = await manager.stateChanges()
let managerTask = Task { await manager.run() }
let logTask = Task { for await change in changes { await log.record(change) } }

if getenv("FLEET_SYSTEMD_BENCH") != nil {
    let benchRunner = CheckRunner(timeout: .seconds(600))
    await runAgentBenchmark(manager: manager, runner: benchRunner)
    managerTask.cancel()
    logTask.cancel()
    benchRunner.finish()
}

func service(_ exec: String, extra: String = "", install: String? = nil) -> String {
    var text = "[Unit]\nDescription=fleet check unit\n\n[Service]\n\(extra)ExecStart=\(exec)\n"
    if let install { text += "\n[Install]\n\(install)\n" }
    return text
}

/// Each line with the members of its JSON object (whatever precedes the `{`, kept) sorted, so
/// two outputs that differ only in member order compare equal.
func unorderedJSONLines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
        guard let open = line.firstIndex(of: "{"), line.hasSuffix("}") else { return String(line) }
        var members: [String] = [], current = "", depth = 0, inString = false, escaped = false
        for character in line[line.index(after: open)..<line.index(before: line.endIndex)] {
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
            } else if character == "\"" {
                inString = true
            } else if character == "[" || character == "{" {
                depth += 1
            } else if character == "]" || character == "}" {
                depth -= 1
            } else if character == ",", depth == 0 {
                members.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        members.append(current)
        return String(line[..<open]) + "{" + members.sorted().joined(separator: ",") + "}"
    }
}

/// A whole file as text (this program does without Foundation).
func contents(of path: String) throws -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw CheckFailure("cannot open \(path): errno \(errno)") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { break }
        bytes += buffer[..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

func fileExists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
}

func waitFor(_ name: String, after index: Int = 0, timeout: Duration = .seconds(10), _ expected: String) async throws -> SystemdUnitState {
    guard let state = await log.wait(for: name, after: index, timeout: timeout, { "\($0.activeState)/\($0.subState)" == expected }) else {
        throw CheckFailure("\(name) never reached \(expected); saw \(await log.history(of: name))")
    }
    return state
}

func threadCount() -> Int {
    guard let directory = opendir("/proc/self/task") else { return -1 }
    defer { closedir(directory) }
    var count = 0
    while let entry = readdir(directory) {
        if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
    }
    return count
}

await runner.check("connect to systemd (private socket and system bus)") {
    let threadsBefore = threadCount()
    var samples: [Duration] = []
    for _ in 0..<20 {
        let start = ContinuousClock.now
        let connection = try await SystemdConnection.connect(.privateSocket(path: SystemdConnection.Address.privateSocketPath))
        samples.append(ContinuousClock.now - start)
        try expect(try await connection.unitPath("fleet-check-none.service") == nil, "GetUnit of an unknown unit is not nil")
        await connection.close()
        do {
            _ = try await connection.unitPath("x.service")
            throw CheckFailure("call after close did not throw")
        } catch let error as SystemdError {
            try expect(error.code == .closed, "call after close: \(error)")
        }
    }
    say("  figure: connect via private socket, median \(samples.sorted()[10])")
    let start = ContinuousClock.now
    if let bus = try? await SystemdConnection.connect(.systemBus) {
        say("  figure: connect via system bus \(ContinuousClock.now - start)")
        await bus.close()
    } else {
        say("  figure: system bus not available in this machine")
    }
    // A connection dropped without close() is closed on its own thread, and that thread ends.
    // (Allow 2 more threads: Swift's cooperative pool may grow to the core count meanwhile.)
    for _ in 0..<20 { _ = try await SystemdConnection.connect().unitPath("init.scope") }
    var threadsAfter = threadCount()
    for _ in 0..<100 where threadsAfter > threadsBefore + 2 {
        try await Task.sleep(for: .milliseconds(10))
        threadsAfter = threadCount()
    }
    try expect(threadsAfter <= threadsBefore + 2, "threads: \(threadsBefore) before 42 connections, \(threadsAfter) after")
}

await runner.check("link, load, start, stop and unload a service; states arrive as signals") {
    let name = "fleet-check-hello.service"
    try expect(try await manager.writeUnit(name, contents: service("/bin/sleep 1000")) == .created, "first write is not .created")
    try expect(try await manager.writeUnit(name, contents: service("/bin/sleep 1000")) == .unchanged, "same write is not .unchanged")
    try expect(fileExists("/run/systemd/system/\(name)"), "runtime link missing")
    try expect(!(try await manager.reloadIfNeeded()), "a new file asked for a reload")
    let loaded = try await manager.load(name)
    try expect(loaded == SystemdUnitState(loadState: "loaded", activeState: "inactive", subState: "dead"), "after load: \(loaded)")
    let mark = await log.count
    let start = ContinuousClock.now
    try await manager.start(name)
    _ = try await waitFor(name, after: mark, "active/running")
    say("  figure: StartUnit → active/running signal \(ContinuousClock.now - start)")
    let history = await log.history(of: name)
    try expect(history.contains { $0.activeState == "activating" } || history.last?.activeState == "active", "history \(history)")
    let pid = try await SystemdConnection.connect().unitProperties(name).mainPID
    let restartMark = await log.count
    try await manager.restart(name)
    _ = try await waitFor(name, after: restartMark, "active/running")
    let newPID = try await SystemdConnection.connect().unitProperties(name).mainPID
    try expect(pid != nil && newPID != nil && pid != newPID, "restart kept MainPID \(String(describing: pid))")
    try await manager.stop(name)
    _ = try await waitFor(name, after: restartMark, "inactive/dead")
    try await manager.unload([name])
    try expect(!fileExists("/run/systemd/system/\(name)"), "link left after unload")
    try expect(!fileExists(units.filePath(of: name)), "file left after unload")
    let after = try await manager.states(of: [name])[name]
    try expect(after == .notFound, "after unload: \(String(describing: after))")
    try expect(try await manager.managedUnits().contains(name) == false, "still managed after unload")
}

await runner.check("invalid unit names are refused before any file is written") {
    for bad in ["../etc/passwd.service", "a/b.service", "x.conf", "web@.slice", ".service"] {
        do {
            _ = try await manager.writeUnit(bad, contents: service("/bin/true"))
            throw CheckFailure("\(bad) was accepted")
        } catch let error as UnitManagerError {
            try expect(error.code == .invalidName, "\(bad): \(error)")
        }
    }
    let managed = try await manager.managedUnits()
    try expect(managed.isEmpty, "files written: \(managed)")
}

await runner.check("a unit that fails: failed/failed with Result=exit-code") {
    let name = "fleet-check-fails.service"
    _ = try await manager.writeUnit(name, contents: service("/bin/false"))
    try await manager.start(name)
    _ = try await waitFor(name, "failed/failed")
    let connection = try await SystemdConnection.connect()
    let properties = try await connection.unitProperties(name)
    await connection.close()
    try expect(properties.result == "exit-code", "Result \(String(describing: properties.result))")
    try expect(properties.fragmentPath == "/run/systemd/system/\(name)" || properties.fragmentPath == units.filePath(of: name),
               "FragmentPath \(properties.fragmentPath)")
    try await manager.unload([name])
    let after = try await manager.states(of: [name])[name]
    try expect(after == .notFound, "failed unit not collected after unload: \(String(describing: after))")
}

await runner.check("a unit with [Install] is enabled at runtime") {
    let name = "fleet-check-installed.service"
    _ = try await manager.writeUnit(name, contents: service("/bin/sleep 1000", install: "WantedBy=multi-user.target"))
    try await manager.enable(name)
    let wants = "/run/systemd/system/multi-user.target.wants/\(name)"
    try expect(fileExists(wants), "\(wants) missing")
    try expect(try await manager.reloadIfNeeded(), "enable did not ask for a reload")
    try await manager.start(name)
    _ = try await waitFor(name, "active/running")
    try await manager.unload([name])
    try expect(!fileExists(wants), "\(wants) left after unload")
}

await runner.check("template instances run from name@.service") {
    let template = "fleet-check-web@.service"
    _ = try await manager.writeUnit(template, contents: service("/bin/sh -c 'echo instance %i; exec sleep 1000'"))
    for instance in ["fleet-check-web@a.service", "fleet-check-web@b.service"] {
        try await manager.start(instance)
        _ = try await waitFor(instance, "active/running")
    }
    let journal = try await Journal.open()
    defer { Task { await journal.close() } }
    var lines: [String] = []
    for _ in 0..<100 where !lines.contains("instance b") {
        lines = try await journal.entries(unit: "fleet-check-web@b.service", last: 5).map(\.message)
        if !lines.contains("instance b") { try await Task.sleep(for: .milliseconds(20)) }  // journald writes asynchronously
    }
    try expect(lines.contains("instance b"), "instance b logged \(lines)")
    try await manager.unload(["fleet-check-web@a.service", "fleet-check-web@b.service", template])
    try expect(!fileExists("/run/systemd/system/\(template)"), "template link left after unload")
    let after = try await manager.states(of: ["fleet-check-web@a.service"])
    try expect(after["fleet-check-web@a.service"]?.isActive == false, "instance still active: \(after)")
}

await runner.check("journal: last N lines of a unit, then follow its new lines") {
    let lines = "fleet-check-lines.service"
    _ = try await manager.writeUnit(lines, contents: service(
        "/bin/sh -c 'for i in 1 2 3 4 5; do echo line $i; done'", extra: "Type=oneshot\nRemainAfterExit=yes\n"))
    try await manager.start(lines)
    _ = try await waitFor(lines, "active/exited")
    let journal = try await Journal.open()
    defer { Task { await journal.close() } }
    // journald writes asynchronously, and orders the unit's stdout and systemd's own messages
    // by arrival: wait for both, then compare the last 3 with the tail of everything.
    var all: [String] = []
    for _ in 0..<200 where !(all.contains("line 5") && all.contains { $0.hasPrefix("Finished") }) {
        try await Task.sleep(for: .milliseconds(10))
        all = try await journal.entries(unit: lines, last: 100).map(\.message)
    }
    try expect(all.filter { $0.hasPrefix("line") } == (1...5).map { "line \($0)" }, "all: \(all)")
    let last = try await journal.entries(unit: lines, last: 3).map(\.message)
    try expect(last == Array(all.suffix(3)), "last 3: \(last), all: \(all)")
    let start = ContinuousClock.now
    let five = try await journal.entries(unit: lines, last: 5)
    say("  figure: last 5 journal lines of one unit \(ContinuousClock.now - start)")
    guard let lineFive = five.first(where: { $0.message == "line 5" }) else { throw CheckFailure("line 5 not in \(five.map(\.message))") }
    let short = JournalFormatter.format(lineFive, mode: .short)
    try expect(short.contains(" sh[") && short.hasSuffix(": line 5"), "short format: \(short)")
    let json = JournalFormatter.format(lineFive, mode: .json)
    try expect(json.contains(#""MESSAGE":"line 5""#) && json.contains(#""_SYSTEMD_UNIT":"\#(lines)""#), "json: \(json)")

    let talker = "fleet-check-talker.service"
    _ = try await manager.writeUnit(talker, contents: service(
        "/bin/sh -c 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done'"))
    let stream = try await journal.follow(unit: talker, last: 0)
    try await manager.start(talker)
    var followed: [String] = []
    let deadline = ContinuousClock.now + .seconds(8)
    for try await entry in stream {
        if entry.message.hasPrefix("tick") { followed.append(entry.message) }
        if followed.count >= 3 || ContinuousClock.now > deadline { break }
    }
    try expect(followed == ["tick 1", "tick 2", "tick 3"], "followed \(followed)")
    // A new follow with a backlog: the last 2 existing lines first, then new ones; the end of the
    // first stream (its consumer stopped above) must not stop this one.
    let again = try await journal.follow(unit: talker, last: 2)
    var ticks: [Int] = []
    for try await entry in again {
        if entry.message.hasPrefix("tick "), let n = Int(entry.message.dropFirst(5)) { ticks.append(n) }
        if ticks.count >= 4 || ContinuousClock.now > deadline + .seconds(5) { break }
    }
    try expect(ticks.count == 4 && ticks == Array(ticks[0]...(ticks[0] + 3)) && ticks[0] >= 2, "second follow \(ticks)")
    try await manager.unload([lines, talker])
}

await runner.check("journal reader of the API: the last lines as text, then followed lines") {
    let name = "fleet-check-api-journal.service"
    _ = try await manager.writeUnit(name, contents: service(
        "/bin/sh -c 'i=0; while true; do i=$((i+1)); echo api $i; sleep 0.2; done'"))
    try await manager.start(name)
    _ = try await waitFor(name, "active/running")
    let reader = SystemdJournalReader()
    // journald writes asynchronously: read until the first three lines are there. systemd's own
    // lines about the unit ("Started …") may land between them, at any place.
    var text = ""
    func unitLines() -> [Substring] { text.split(separator: "\n").filter { $0.hasPrefix("api ") } }
    for _ in 0..<300 where unitLines().count < 3 {
        try await Task.sleep(for: .milliseconds(10))
        text = ""
        for try await piece in try await reader.journal(of: name, lines: 100, follow: false, output: "cat") { text += piece }
    }
    try expect(unitLines().prefix(3) == ["api 1", "api 2", "api 3"], "cat: \(text)")
    var followed: [Int] = []
    let deadline = ContinuousClock.now + .seconds(8)
    for try await piece in try await reader.journal(of: name, lines: 1, follow: true, output: "short") {
        followed += piece.split(separator: "\n").compactMap { line -> Int? in
            let words = line.split(separator: " ")
            return words.count >= 2 && words[words.count - 2] == "api" ? Int(words[words.count - 1]) : nil
        }
        if followed.count >= 3 || ContinuousClock.now > deadline { break }
    }
    try expect(followed.count >= 3 && followed == Array(followed[0]...(followed[0] + followed.count - 1)), "followed \(followed)")
    try await manager.unload([name])
}

await runner.check("journal reader of the API: every output mode prints what journalctl prints") {
    let name = "fleet-check-modes.service"
    _ = try await manager.writeUnit(name, contents: service(
        "/bin/sh -c 'echo one; echo \"two  spaced\"; printf \"three\\\\nfour\\\\n\"'", extra: "Type=oneshot\n"))
    try await manager.start(name)
    let reader = SystemdJournalReader()
    func ours(_ mode: String) async throws -> String {
        var text = ""
        for try await piece in try await reader.journal(of: name, lines: 100, follow: false, output: mode) { text += piece }
        return text
    }
    func journalctl(_ mode: String) throws -> String {
        let file = "/tmp/fleet-check-journalctl.out"
        guard run(["/bin/sh", "-c", "journalctl --unit \(name) --no-pager -n 100 --output \(mode) > \(file)"]) == 0 else {
            throw CheckFailure("journalctl --output \(mode) failed")
        }
        return try contents(of: file)
    }
    // journald writes asynchronously: wait until systemd's last line about the run is there.
    for _ in 0..<300 where try !journalctl("cat").contains("Finished") { try await Task.sleep(for: .milliseconds(10)) }
    for mode in reader.outputModes {
        let (mine, theirs) = (try await ours(mode), try journalctl(mode))
        // journalctl prints a JSON object's members in its hash table's order: compare them as sets.
        let same = mode.hasPrefix("json") ? unorderedJSONLines(mine) == unorderedJSONLines(theirs) : mine == theirs
        try expect(same, "--output \(mode): ours\n\(mine)journalctl's\n\(theirs)")
    }
    say("  modes: \(reader.outputModes.joined(separator: " "))")
    try await manager.unload([name])
}

await runner.check("a unit file systemd rejects shows its load error; others are unaffected") {
    let bad = "fleet-check-bad.service"
    let good = "fleet-check-good.service"
    _ = try await manager.writeUnit(bad, contents: "[Service]\nType=simple\n")
    _ = try await manager.writeUnit(good, contents: service("/bin/sleep 1000"))
    let badState = try await manager.load(bad)
    try expect(badState.loadState == "bad-setting", "bad unit load state \(badState)")
    try expect(badState.loadError?.isEmpty == false, "no load error for the bad unit")
    say("  load error: \(badState.loadError ?? "")")
    try await manager.start(good)
    _ = try await waitFor(good, "active/running")
    do {
        try await manager.start(bad)
        throw CheckFailure("starting the bad unit did not fail")
    } catch let error as UnitManagerError {
        try expect(error.code == .loadFailed, "start of bad unit: \(error.code) \(error)")
    }
    let states = try await manager.states(of: [bad, good])
    try expect(states[bad]?.loadState == "bad-setting" && states[bad]?.loadError != nil, "states: \(states)")
    try expect(states[good]?.isActive == true, "good unit: \(String(describing: states[good]))")
    try await manager.unload([bad, good])
}

await runner.check("a unit loaded before its file existed loads once the file is written") {
    let name = "fleet-check-late.service"
    let before = try await manager.load(name)
    try expect(before.loadState == "not-found", "before: \(before)")
    _ = try await manager.writeUnit(name, contents: service("/bin/sleep 1000"))
    let reloads = await manager.reloadCount
    let after = try await manager.load(name)
    try expect(after.loadState == "loaded", "after: \(after)")
    say("  systemd 252 needed \(await manager.reloadCount - reloads) reload(s) to load a file that appeared after a not-found load")
    try await manager.unload([name])
}

await runner.check("bridge signals: JobNew, unit PropertiesChanged, JobRemoved, Reloading") {
    let name = "fleet-check-signals.service"
    _ = try await manager.writeUnit(name, contents: service("/bin/sleep 1000"))
    let connection = try await SystemdConnection.connect()
    let events = try await connection.events()
    try await connection.subscribe()
    let job = try await connection.startUnit(name)
    try await connection.reload()
    var seen: [String] = []
    for try await event in events {
        switch event {
        case .jobNew(_, let path, let unit) where unit == name && path == job: seen.append("jobNew")
        case .jobRemoved(_, let path, let unit, let result) where unit == name && path == job: seen.append("jobRemoved:\(result)")
        case .unitPropertiesChanged(let unit, "org.freedesktop.systemd1.Unit", let properties, _) where unit == name:
            if properties["ActiveState"] == .string("active") && !seen.contains("active") { seen.append("active") }
        case .reloading(let active): seen.append("reloading:\(active)")
        default: break
        }
        if seen.contains("reloading:false") && seen.contains("jobRemoved:done") && seen.contains("active") { break }
    }
    await connection.close()
    try expect(seen.first == "jobNew" && seen.contains("reloading:true"), "signals: \(seen)")
    try await manager.unload([name])
}

await runner.check("daemon-reexec mid-run: the manager reconnects and events keep coming") {
    let raw = try await SystemdConnection.connect()
    let rawEvents = try await raw.events()
    let first = "fleet-check-before-reexec.service"
    let second = "fleet-check-after-reexec.service"
    _ = try await manager.writeUnit(first, contents: service("/bin/sleep 1000"))
    _ = try await manager.writeUnit(second, contents: service("/bin/sleep 1000"))
    try await manager.start(first)
    _ = try await waitFor(first, "active/running")
    let status = run(["/usr/bin/systemctl", "daemon-reexec"])
    try expect(status == 0, "systemctl daemon-reexec exited \(status)")
    // The bridge ends a broken connection's event stream with a .disconnected error.
    do {
        for try await _ in rawEvents {}
        throw CheckFailure("event stream ended without an error at re-exec")
    } catch let error as SystemdError {
        try expect(error.code == .disconnected, "stream ended with \(error)")
    }
    try expect(await raw.isConnected == false, "connection still claims to be connected")
    await raw.close()
    let mark = await log.count
    try await manager.start(second)
    _ = try await waitFor(second, after: mark, "active/running")
    try await manager.stop(first)
    _ = try await waitFor(first, after: mark, "inactive/dead")
    try await manager.unload([first, second])
}

await runner.check("figures: StartUnit → active signal, daemon-reload") {
    let name = "fleet-check-latency.service"
    _ = try await manager.writeUnit(name, contents: service("/bin/sleep 1000"))
    var samples: [Duration] = []
    for _ in 0..<10 {
        let mark = await log.count
        let start = ContinuousClock.now
        try await manager.start(name)
        _ = try await waitFor(name, after: mark, "active/running")
        samples.append(ContinuousClock.now - start)
        try await manager.stop(name)
        _ = try await waitFor(name, after: mark, "inactive/dead")
    }
    samples.sort()
    say("  figure: StartUnit → active/running signal over 10 starts: min \(samples[0]), median \(samples[5]), max \(samples[9])")
    let connection = try await SystemdConnection.connect()
    var reloads: [Duration] = []
    for _ in 0..<3 {
        let start = ContinuousClock.now
        try await connection.reload()
        reloads.append(ContinuousClock.now - start)
    }
    await connection.close()
    say("  figure: daemon-reload \(reloads.sorted())")
    try await manager.unload([name])
}

await runner.check("ListUnitsByNames for 300 units") {
    let names = (0..<300).map { "fleet-check-many-\($0).service" }
    let start = ContinuousClock.now
    for name in names { _ = try await manager.writeUnit(name, contents: service("/bin/sleep 1000")) }
    say("  figure: write + LinkUnitFiles of 300 units \(ContinuousClock.now - start)")
    let connection = try await SystemdConnection.connect()
    var samples: [Duration] = []
    for _ in 0..<5 {
        let begin = ContinuousClock.now
        let entries = try await connection.listUnitsByNames(names)
        samples.append(ContinuousClock.now - begin)
        try expect(entries.count == 300 && entries.allSatisfy { $0.loadState == "loaded" }, "entries \(entries.count)")
    }
    say("  figure: ListUnitsByNames of 300 units not in memory (systemd loads each file per call), median \(samples.sorted()[2])")

    let startAll = ContinuousClock.now
    for name in names { try await manager.start(name) }
    for name in names { _ = try await waitFor(name, "active/running") }
    say("  figure: start 300 services until every active/running signal arrived \(ContinuousClock.now - startAll)")
    samples = []
    for _ in 0..<5 {
        let begin = ContinuousClock.now
        let entries = try await connection.listUnitsByNames(names)
        samples.append(ContinuousClock.now - begin)
        try expect(entries.count == 300 && entries.allSatisfy { $0.activeState == "active" }, "entries \(entries.count)")
    }
    await connection.close()
    say("  figure: ListUnitsByNames of 300 running units, median \(samples.sorted()[2])")
    let unloadStart = ContinuousClock.now
    try await manager.unload(names)
    say("  figure: unload 300 running units (stop each, one DisableUnitFiles, one reload) \(ContinuousClock.now - unloadStart)")
}

await runner.check("agent: scheduled units run, fail, enable and unload on real systemd; states published") {
    let store = InMemoryKeyValueStore()
    let registry = Registry(store: store)
    let lease = try await store.grantLease(ttl: .seconds(300))
    let machineID = try MachineIdentity.machineID()
    func record(_ name: String, _ text: String) throws -> UnitRecord {
        let file = try UnitFile(parsing: text)
        return UnitRecord(name: name, options: file.options, hash: file.hash.hex, global: false)
    }
    let units = [
        try record("fleet-agent-plain.service", service("/bin/sleep 1000")),
        try record("fleet-agent-fails.service", service("/bin/false")),
        try record("fleet-agent-tpl@one.service", service("/bin/sleep 1000")),
        try record("fleet-agent-install.service", service("/bin/sleep 1000", install: "WantedBy=multi-user.target")),
    ]
    for unit in units {
        try await registry.createUnit(unit, desiredState: .launched)
        try await registry.applySchedule(
            [.assign(unit: unit.name, machine: machineID, ScheduleRecord(state: .launched, hash: unit.hash))], fence: nil)
    }
    let agent = Agent(registry: registry, machineID: machineID, metadata: [:], units: manager,
                      logger: Logger(label: "fleet-systemd-check.agent")) { lease }
    let running = Task { await agent.run() }
    defer { running.cancel() }
    func published(_ name: String) async throws -> UnitStateRecord? {
        try await registry.states(unit: name).states.first?.record
    }
    func waitPublished(_ name: String, _ expected: String) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let record = try await published(name), "\(record.activeState)/\(record.subState)" == expected { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CheckFailure("\(name) was never published as \(expected); last \(String(describing: try await published(name)))")
    }
    let started = ContinuousClock.now
    try await waitPublished("fleet-agent-plain.service", "active/running")
    try await waitPublished("fleet-agent-tpl@one.service", "active/running")
    try await waitPublished("fleet-agent-install.service", "active/running")
    try await waitPublished("fleet-agent-fails.service", "failed/failed")
    say("  figure: 4 units from schedule to published states \(ContinuousClock.now - started)")
    try expect(try await published("fleet-agent-plain.service")?.jobState == .launched, "job state launched")
    try expect(fileExists("/run/systemd/system/multi-user.target.wants/fleet-agent-install.service"), "[Install] unit enabled at runtime")

    // Desired loaded: stopped; unscheduled: unloaded, file gone, state withdrawn.
    let plain = units[0]
    try await registry.applySchedule(
        [.assign(unit: plain.name, machine: machineID, ScheduleRecord(state: .loaded, hash: plain.hash))], fence: nil)
    try await waitPublished(plain.name, "inactive/dead")
    try await registry.applySchedule(units.map { .unassign(unit: $0.name, machine: machineID) }, fence: nil)
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline, !(try await registry.states().states.isEmpty) {
        try await Task.sleep(for: .milliseconds(20))
    }
    try expect(try await registry.states().states.isEmpty, "states withdrawn after unscheduling")
    for unit in units {
        try expect(!fileExists("/run/fleet/units/\(unit.name)"), "\(unit.name) file removed")
    }
}

managerTask.cancel()
logTask.cancel()
runner.finish()
