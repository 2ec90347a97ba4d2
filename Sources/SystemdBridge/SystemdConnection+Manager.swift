internal import CSystemd

// The org.freedesktop.systemd1.Manager methods the agent uses; signatures from
// org.freedesktop.systemd1(5).
extension SystemdConnection {
    /// The job mode for start/stop/restart: `replace` queues the job and replaces conflicting ones.
    public static let defaultJobMode = "replace"

    /// `LinkUnitFiles`: symlinks unit files from outside the search path into it.
    /// - Parameters:
    ///   - paths: absolute paths of unit files.
    ///   - runtime: link under `/run` (gone at reboot) rather than `/etc`.
    ///   - force: replace existing symlinks.
    /// - Returns: the symlinks systemd made.
    /// - Throws: `SystemdError` when systemd refuses (a path that is not absolute, a name clash).
    public func linkUnitFiles(_ paths: [String], runtime: Bool = true, force: Bool = true) throws(SystemdError) -> [UnitFileChange] {
        try handle.call("LinkUnitFiles", unit: paths.first, build: { (message) throws(SystemdError) in
            try message.append(paths)
            try message.append(runtime)
            try message.append(force)
        }, decode: { (reply) throws(SystemdError) in try Self.readChanges(&reply) })
    }

    /// `EnableUnitFiles`: creates the symlinks of the units' `[Install]` sections.
    /// - Parameters:
    ///   - names: unit names (or paths).
    ///   - runtime: enable under `/run` only.
    ///   - force: replace existing symlinks.
    /// - Returns: whether the units had install information, and the symlinks made.
    /// - Throws: `SystemdError` when systemd refuses.
    public func enableUnitFiles(_ names: [String], runtime: Bool = true, force: Bool = true) throws(SystemdError) -> (carriesInstallInfo: Bool, changes: [UnitFileChange]) {
        try handle.call("EnableUnitFiles", unit: names.first, build: { (message) throws(SystemdError) in
            try message.append(names)
            try message.append(runtime)
            try message.append(force)
        }, decode: { (reply) throws(SystemdError) in
            let carries = try reply.requireBool()
            return (carries, try Self.readChanges(&reply))
        })
    }

    /// `DisableUnitFiles`: removes the units' symlinks (the `[Install]` ones and `link`'s).
    /// - Parameters:
    ///   - names: unit names.
    ///   - runtime: disable under `/run` only.
    /// - Returns: the symlinks removed.
    /// - Throws: `SystemdError` when systemd refuses.
    public func disableUnitFiles(_ names: [String], runtime: Bool = true) throws(SystemdError) -> [UnitFileChange] {
        try handle.call("DisableUnitFiles", unit: names.first, build: { (message) throws(SystemdError) in
            try message.append(names)
            try message.append(runtime)
        }, decode: { (reply) throws(SystemdError) in try Self.readChanges(&reply) })
    }

    /// `Reload` (`systemctl daemon-reload`): rereads every unit file. Costs 90–270 ms; batch it.
    /// - Throws: `SystemdError` when the reload fails.
    public func reload() throws(SystemdError) {
        try handle.call("Reload", decode: { _ throws(SystemdError) in })
    }

    /// `LoadUnit`: loads a unit into memory (from its file) if it is not yet.
    /// - Parameter name: the unit name.
    /// - Returns: the unit's object path. A unit without a file loads as `not-found`.
    /// - Throws: `SystemdError` when the name is invalid.
    @discardableResult
    public func loadUnit(_ name: String) throws(SystemdError) -> String {
        try handle.call("LoadUnit", unit: name, build: { (message) throws(SystemdError) in try message.append(name) },
                        decode: { (reply) throws(SystemdError) in try reply.requireString(SD_BUS_TYPE_OBJECT_PATH) })
    }

    /// `GetUnit`: the object path of a unit already in memory.
    /// - Parameter name: the unit name.
    /// - Returns: the path, or `nil` when systemd has no such unit loaded.
    /// - Throws: `SystemdError` for any failure but "no such unit".
    public func unitPath(_ name: String) throws(SystemdError) -> String? {
        do {
            return try handle.call("GetUnit", unit: name, build: { (message) throws(SystemdError) in try message.append(name) },
                                   decode: { (reply) throws(SystemdError) in try reply.requireString(SD_BUS_TYPE_OBJECT_PATH) })
        } catch where error.code == .noSuchUnit {
            return nil
        }
    }

    /// `StartUnit`.
    /// - Parameters:
    ///   - name: the unit name.
    ///   - mode: the job mode; `replace` by default.
    /// - Returns: the job's object path; the job's end arrives as `.jobRemoved`.
    /// - Throws: `SystemdError` (`.noSuchUnit` when the unit cannot be loaded).
    @discardableResult
    public func startUnit(_ name: String, mode: String = defaultJobMode) throws(SystemdError) -> String {
        try jobCall("StartUnit", name, mode)
    }

    /// `StopUnit`; see `startUnit(_:mode:)`.
    @discardableResult
    public func stopUnit(_ name: String, mode: String = defaultJobMode) throws(SystemdError) -> String {
        try jobCall("StopUnit", name, mode)
    }

    /// `RestartUnit`; see `startUnit(_:mode:)`.
    @discardableResult
    public func restartUnit(_ name: String, mode: String = defaultJobMode) throws(SystemdError) -> String {
        try jobCall("RestartUnit", name, mode)
    }

    private func jobCall(_ member: String, _ name: String, _ mode: String) throws(SystemdError) -> String {
        try handle.call(member, unit: name, build: { (message) throws(SystemdError) in
            try message.append(name)
            try message.append(mode)
        }, decode: { (reply) throws(SystemdError) in try reply.requireString(SD_BUS_TYPE_OBJECT_PATH) })
    }

    /// `ResetFailedUnit`: clears a unit's failed state so it can be collected.
    /// - Parameter name: the unit name.
    /// - Returns: `false` when systemd has no such unit loaded.
    /// - Throws: `SystemdError` for other failures.
    @discardableResult
    public func resetFailedUnit(_ name: String) throws(SystemdError) -> Bool {
        do {
            try handle.call("ResetFailedUnit", unit: name, build: { (message) throws(SystemdError) in try message.append(name) },
                            decode: { _ throws(SystemdError) in })
            return true
        } catch where error.code == .noSuchUnit {
            return false
        }
    }

    /// `Subscribe`: asks systemd to send job and unit signals to this client.
    /// - Throws: `SystemdError` when the call fails.
    public func subscribe() throws(SystemdError) {
        try handle.call("Subscribe", decode: { _ throws(SystemdError) in })
    }

    /// `ListUnitsByNames`: the in-memory states of the named units, loading none of them.
    /// Units systemd does not hold come back as `not-found`/`inactive`/`dead`.
    /// - Parameter names: unit names.
    /// - Returns: one entry per name systemd reports, in its order.
    /// - Throws: `SystemdError` when the call fails.
    public func listUnitsByNames(_ names: [String]) throws(SystemdError) -> [UnitListEntry] {
        try handle.call("ListUnitsByNames", build: { (message) throws(SystemdError) in try message.append(names) },
                        decode: { (reply) throws(SystemdError) in
            var entries: [UnitListEntry] = []
            try reply.enter(SD_BUS_TYPE_ARRAY, "(ssssssouso)")
            while try reply.enter(SD_BUS_TYPE_STRUCT, "ssssssouso") {
                let name = try reply.requireString()
                let description = try reply.requireString()
                let load = try reply.requireString()
                let active = try reply.requireString()
                let sub = try reply.requireString()
                _ = try reply.requireString()  // following
                let path = try reply.requireString(SD_BUS_TYPE_OBJECT_PATH)
                let jobID = try reply.requireUInt32()
                let jobType = try reply.requireString()
                try reply.skip()  // job path
                try reply.exit()
                entries.append(UnitListEntry(
                    name: name, description: description, loadState: load, activeState: active,
                    subState: sub, path: path, jobID: jobID, jobType: jobType))
            }
            try reply.exit()
            return entries
        })
    }

    /// The properties `status` and the agent need, loading the unit like `systemctl status` does.
    /// - Parameter name: the unit name.
    /// - Returns: the unit's properties; a unit without a file reports `not-found` and its load error.
    /// - Throws: `SystemdError` when the name is invalid or the bus fails.
    public func unitProperties(_ name: String) throws(SystemdError) -> UnitProperties {
        let path = try loadUnit(name)
        let unitKeys: Set = ["Id", "Description", "LoadState", "ActiveState", "SubState", "FragmentPath",
                             "LoadError", "ActiveEnterTimestamp", "NeedDaemonReload"]
        let unit = try allProperties(path, interface: "org.freedesktop.systemd1.Unit", unit: name, keys: unitKeys)
        var typed: [String: BusValue] = [:]
        if let interface = Self.typeInterface(of: name) {
            typed = try allProperties(path, interface: interface, unit: name, keys: ["MainPID", "Result"])
        }
        var loadError: UnitProperties.LoadError?
        if case .stringPair(let errorName, let message)? = unit["LoadError"], !errorName.isEmpty {
            loadError = .init(name: errorName, message: message)
        }
        let entered = unit["ActiveEnterTimestamp"]?.uint64 ?? 0
        let mainPID = typed["MainPID"]?.uint64 ?? 0
        return UnitProperties(
            name: unit["Id"]?.string ?? name,
            description: unit["Description"]?.string ?? "",
            loadState: unit["LoadState"]?.string ?? "",
            activeState: unit["ActiveState"]?.string ?? "",
            subState: unit["SubState"]?.string ?? "",
            fragmentPath: unit["FragmentPath"]?.string ?? "",
            loadError: loadError,
            activeEnterTimestamp: entered == 0 ? nil : entered,
            mainPID: mainPID == 0 ? nil : UInt32(mainPID),
            result: typed["Result"]?.string,
            needDaemonReload: unit["NeedDaemonReload"]?.bool ?? false)
    }

    private func allProperties(_ path: String, interface: String, unit: String, keys: Set<String>) throws(SystemdError) -> [String: BusValue] {
        try handle.call("GetAll", path: path, interface: "org.freedesktop.DBus.Properties", unit: unit,
                        build: { (message) throws(SystemdError) in try message.append(interface) },
                        decode: { (reply) throws(SystemdError) in try reply.readProperties(where: keys.contains) })
    }

    /// The D-Bus interface holding `Result`/`MainPID` for a unit's type, if it has one.
    static func typeInterface(of name: String) -> String? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let suffix = name[name.index(after: dot)...]
        guard ["service", "socket", "mount", "timer", "swap", "automount", "path", "scope"].contains(suffix) else { return nil }
        return "org.freedesktop.systemd1." + suffix.prefix(1).uppercased() + suffix.dropFirst()
    }

    private static func readChanges(_ reply: inout BusMessage) throws(SystemdError) -> [UnitFileChange] {
        var changes: [UnitFileChange] = []
        try reply.enter(SD_BUS_TYPE_ARRAY, "(sss)")
        while try reply.enter(SD_BUS_TYPE_STRUCT, "sss") {
            let type = try reply.requireString()
            let file = try reply.requireString()
            let destination = try reply.requireString()
            try reply.exit()
            changes.append(UnitFileChange(type: type, file: file, destination: destination))
        }
        try reply.exit()
        return changes
    }
}
