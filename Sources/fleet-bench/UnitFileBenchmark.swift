// Replaced by the unit-file benchmark (issue 2).
enum UnitFileBenchmark { static func run() {} }
