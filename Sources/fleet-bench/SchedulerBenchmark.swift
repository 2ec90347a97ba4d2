// Replaced by the scheduler benchmark (issue 2).
enum SchedulerBenchmark { static func run() {} }
