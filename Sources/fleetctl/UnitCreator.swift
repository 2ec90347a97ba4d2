import FleetCore
import Foundation

/// Submits the units named by arguments when the cluster does not have them yet (the
/// original's `lazyCreateUnits`): from a local file, or for an instance from its template in
/// the cluster or on disk. With `--replace`, a unit whose local file differs is replaced.
struct UnitCreator {
    /// The command asking; it decides which desired states `--replace` may act in.
    enum Purpose: Sendable {
        case submit, load, start

        var replaceableStates: Set<String> {
            switch self {
            case .submit: ["inactive"]
            case .load: ["inactive", "loaded"]
            case .start: ["inactive", "loaded", "launched"]
            }
        }
    }

    let context: CommandContext
    let purpose: Purpose
    let replace: Bool
    /// From `--block-attempts`/`--no-block`: -1 no waiting, 0 no limit, N polls.
    let attempts: Int

    /// Creates what is missing, argument by argument, stopping at the first error.
    /// - Throws: `FleetctlError` with the message to print after `Error creating units: `.
    func createUnits(_ arguments: [String]) async throws(FleetctlError) {
        var created: [String] = []
        for argument in arguments {
            if try await create(argument) { created.append(argument) }
        }
        guard !created.isEmpty else { return }
        // A new unit reports `inactive` once stored; the original always waited for that.
        var failed = false
        for argument in created {
            do {
                try await UnitWaiter(context: context).wait(
                    for: UnitArguments.name(of: argument), state: "inactive", attempts: max(attempts, 0))
            } catch {
                context.console.err("Error waiting on unit creation: \(error.message)")
                failed = true
            }
        }
        if failed { throw FleetctlError("One or more errors creating units") }
    }

    /// - Returns: true when the unit was created.
    private func create(_ argument: String) async throws(FleetctlError) -> Bool {
        let name = UnitArguments.name(of: argument)
        let path = context.absolutePath(UnitArguments.recognizedSuffixes.contains(where: argument.hasSuffix) ? argument : argument + ".service")
        let existing: APIUnit?
        do {
            existing = try await context.api.unit(name)
        } catch {
            throw FleetctlError("error retrieving Unit(\(name)) from Registry: \(error)")
        }

        if let existing {
            try await compare(existing, withLocalFile: path, argument: argument)
            return false
        }

        let file: UnitFile
        if FileManager.default.fileExists(atPath: path) {
            file = try parse(path, failure: "failed getting Unit(\(name)) from file")
        } else {
            file = try await templateContents(for: name, argument: argument)
        }
        do {
            _ = try UnitName(name)
        } catch {
            throw FleetctlError(error.description)
        }
        if let requirementsError = requirementsProblem(name, file) {
            context.debug("Unit \(name): \(requirementsError)")
        }
        do {
            try await context.api.createUnit(name, options: file.options)
        } catch {
            throw FleetctlError("failed creating unit \(name): \(error)")
        }
        return true
    }

    /// An instance with no file of its own runs its template's contents.
    private func templateContents(for name: String, argument: String) async throws(FleetctlError) -> UnitFile {
        guard let unitName = try? UnitName(name), unitName.kind == .instance, let template = unitName.templateName else {
            throw FleetctlError("unable to find Unit(\(name)) in Registry or on filesystem")
        }
        let templatePath = context.absolutePath(((argument as NSString).deletingLastPathComponent as NSString).appendingPathComponent(template.rawValue))
        let registered: APIUnit?
        do {
            registered = try await context.api.unit(template.rawValue)
        } catch {
            throw FleetctlError("failed getting Unit(\(name)) from template: \(error)")
        }
        if let registered {
            let file = UnitFile(options: registered.options)
            if !replace, FileManager.default.fileExists(atPath: templatePath),
               let local = try? UnitFile(parsing: String(contentsOfFile: templatePath, encoding: .utf8)), local.hash != file.hash {
                context.console.err("WARNING: Unit \(template.rawValue) in registry differs from local template unit file \(argument). Add --replace to override.")
            }
            return file
        }
        guard FileManager.default.fileExists(atPath: templatePath) else {
            throw FleetctlError("failed getting Unit(\(name)) from template: unable to find template Unit(\(template.rawValue)) in Registry or on filesystem")
        }
        return try parse(templatePath, failure: "failed getting Unit(\(name)) from template: unable to load template Unit(\(template.rawValue)) from file")
    }

    /// A unit already in the cluster: warn when the local file differs, or replace it.
    private func compare(_ existing: APIUnit, withLocalFile path: String, argument: String) async throws(FleetctlError) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let local = try parse(path, failure: "failed getting Unit(\(existing.name)) from file")
        guard local.hash != UnitFile(options: existing.options).hash else {
            if replace { context.console.out("Found same Unit(\(existing.name)) in Registry, nothing to do") }
            return
        }
        guard replace else {
            context.console.err("WARNING: Unit \(existing.name) in registry differs from local unit file \(argument). Add --replace to override.")
            return
        }
        guard purpose.replaceableStates.contains(existing.desiredState) else {
            context.console.err("Warning: can not replace Unit(\(existing.name)) in state '\(existing.desiredState)', use the appropriate command")
            return
        }
        try await replaceContents(existing, with: local)
    }

    /// Replaces a unit's contents. A launched unit is replaced rolling: stopped (waited for
    /// unless `--no-block`), replaced and launched again, before the next argument is looked at.
    private func replaceContents(_ existing: APIUnit, with local: UnitFile) async throws(FleetctlError) {
        let waiter = UnitWaiter(context: context)
        let global = UnitArguments.isGlobal(existing)
        do {
            guard existing.desiredState == "launched" else {
                try await context.api.createUnit(existing.name, options: local.options)
                return
            }
            try await context.api.setDesiredState(existing.name, to: "loaded")
            if !global && attempts >= 0 {
                try await waiter.wait(for: existing.name, state: "loaded", attempts: attempts)
            }
            try await context.api.createUnit(existing.name, options: local.options, desiredState: "launched")
            if !global && attempts >= 0 {
                try await waiter.wait(for: existing.name, state: "launched", attempts: attempts)
            }
        } catch let error as FleetctlError {
            throw error
        } catch {
            throw FleetctlError("failed replacing unit \(existing.name): \(error)")
        }
    }

    private func parse(_ path: String, failure: String) throws(FleetctlError) -> UnitFile {
        do {
            return try UnitFile(parsing: String(contentsOfFile: path, encoding: .utf8))
        } catch let error as UnitFileError {
            throw FleetctlError("\(failure): \(error.description)")
        } catch {
            throw FleetctlError("\(failure): \(error.localizedDescription)")
        }
    }

    /// The original only warned about bad `[X-Fleet]` requirements; the server refuses them.
    private func requirementsProblem(_ name: String, _ file: UnitFile) -> String? {
        do {
            _ = try XFleetOptions(unitFile: file, name: try? UnitName(name))
            return nil
        } catch {
            return error.description
        }
    }
}
