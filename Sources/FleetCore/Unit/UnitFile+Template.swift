extension UnitFile {
    /// The contents an instance unit runs with when it has no file of its own: its template's.
    ///
    /// - Parameters:
    ///   - instance: an instance name (`hello@1.service`).
    ///   - templateLookup: finds the template's file (`hello@.service`) — a local file, the
    ///     registry…; returns nil when there is none.
    /// - Returns: the template's contents (specifiers stay unexpanded, as systemd expands them).
    /// - Throws: `UnitTemplateError` when `instance` is not an instance or the template is
    ///   missing; rethrows what `templateLookup` throws.
    public static func resolvingInstance(
        _ instance: UnitName,
        templateLookup: (UnitName) throws -> UnitFile?
    ) throws -> UnitFile {
        let template = try templateName(of: instance)
        guard let file = try templateLookup(template) else {
            throw UnitTemplateError(unit: instance, kind: .templateNotFound(template))
        }
        return file
    }

    /// The asynchronous form of `resolvingInstance(_:templateLookup:)`, for lookups in the
    /// registry.
    /// - Parameters:
    ///   - instance: an instance name.
    ///   - templateLookup: finds the template's file; nil when there is none.
    /// - Returns: the template's contents.
    /// - Throws: `UnitTemplateError`, or what `templateLookup` throws.
    public static func resolvingInstance(
        _ instance: UnitName,
        templateLookup: (UnitName) async throws -> UnitFile?
    ) async throws -> UnitFile {
        let template = try templateName(of: instance)
        guard let file = try await templateLookup(template) else {
            throw UnitTemplateError(unit: instance, kind: .templateNotFound(template))
        }
        return file
    }

    private static func templateName(of instance: UnitName) throws(UnitTemplateError) -> UnitName {
        guard let template = instance.templateName else {
            throw UnitTemplateError(unit: instance, kind: .notAnInstance)
        }
        return template
    }
}
