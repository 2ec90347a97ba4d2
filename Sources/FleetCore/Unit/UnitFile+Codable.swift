extension UnitFile: Codable {
    /// Decodes the options list (`[{section,name,value}]`, the API's shape) and recomputes
    /// the hash from it.
    /// - Parameter decoder: holds an array of options.
    /// - Throws: what the decoder throws for a malformed list.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self.init(options: try container.decode([UnitOption].self))
    }

    /// Encodes the options list; the hash is not stored, it follows from the options.
    /// - Parameter encoder: receives the array of options.
    /// - Throws: whatever the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(options)
    }
}
