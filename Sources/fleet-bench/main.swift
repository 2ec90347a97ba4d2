import FleetCore

// fleet-bench: programs that print figures (never timed tests). Run in release:
//   swift run -c release fleet-bench [units|scheduler|etcd|placements|fleetd|all]
let which = CommandLine.arguments.dropFirst().first ?? "all"
switch which {
case "units": UnitFileBenchmark.run()
case "scheduler": SchedulerBenchmark.run()
case "etcd": await EtcdBenchmark.run()
case "placements": await PlacementBenchmark.run()
case "fleetd": await FleetdBenchmark.run()
case "all":
    UnitFileBenchmark.run()
    SchedulerBenchmark.run()
    await EtcdBenchmark.run()
    await PlacementBenchmark.run()
    await FleetdBenchmark.run()
default:
    print("usage: fleet-bench [units|scheduler|etcd|placements|fleetd|all]")
}
