/// Why an instance's contents could not be resolved from its template.
public struct UnitTemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Sendable, Hashable {
        /// The name is a plain unit or a template, not `name@instance.type`.
        case notAnInstance
        /// No file for the template was found.
        case templateNotFound(UnitName)
    }

    /// The unit whose contents were asked for.
    public let unit: UnitName
    /// What is wrong.
    public let kind: Kind

    /// - Parameters:
    ///   - unit: the unit whose contents were asked for.
    ///   - kind: what is wrong.
    public init(unit: UnitName, kind: Kind) {
        self.unit = unit
        self.kind = kind
    }

    /// A sentence naming the unit (and the template).
    public var description: String {
        switch kind {
        case .notAnInstance:
            "\(unit) is not an instance unit (expected name@instance.type)"
        case .templateNotFound(let template):
            "unable to find template unit \(template) for instance \(unit)"
        }
    }
}
