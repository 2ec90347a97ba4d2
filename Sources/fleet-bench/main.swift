import FleetCore

// fleet-bench: programs that print figures (never timed tests). Run in release:
//   swift run -c release fleet-bench [units|scheduler|etcd|placements|fleetd|all]
//   swift run -c release fleet-bench sim [--machines N] [--units M] [--mode ours|original|both] … (see SimulatorOptions)
let which = CommandLine.arguments.dropFirst().first ?? "all"
switch which {
case "units": UnitFileBenchmark.run()
case "scheduler": SchedulerBenchmark.run()
case "etcd": await EtcdBenchmark.run()
case "placements": await PlacementBenchmark.run()
case "fleetd": await FleetdBenchmark.run()
case "sim": await Simulator.main(Array(CommandLine.arguments.dropFirst(2)))
case "sim-engine": await EngineProcess.childMain(Array(CommandLine.arguments.dropFirst(2)))
case "all":
    UnitFileBenchmark.run()
    SchedulerBenchmark.run()
    await EtcdBenchmark.run()
    await PlacementBenchmark.run()
    await FleetdBenchmark.run()
default:
    print("usage: fleet-bench [units|scheduler|etcd|placements|fleetd|all] | sim [options]")
}
