import FleetCore

/// Parse + hash throughput of unit files, against the target of 10,000 typical files in
/// 200 ms (release build): `swift run -c release fleet-bench units`.
enum UnitFileBenchmark {
    static let fileCount = 10_000
    static let targetMilliseconds = 200.0
    static let rounds = 5

    static func run() {
        let units = generate(count: fileCount)
        let bytes = units.reduce(0) { $0 + $1.text.utf8.count }
        print("unit files: \(units.count) generated, \(bytes / 1024) KiB, \(bytes / units.count) bytes average")

        let clock = ContinuousClock()
        var parseTimes: [Double] = []
        var xfleetTimes: [Double] = []
        var hashTimes: [Double] = []
        var checksum = 0
        for _ in 0..<rounds {
            var files: [UnitFile] = []
            files.reserveCapacity(units.count)
            let parseStart = clock.now
            for unit in units {
                do {
                    let file = try UnitFile(parsing: unit.text)
                    checksum &+= Int(file.hash.bytes[0])
                    files.append(file)
                } catch {
                    fatalError("generated unit \(unit.name) does not parse: \(error)")
                }
            }
            parseTimes.append(milliseconds(clock.now - parseStart))

            // The hashing share of the above: canonical serialization + SHA-1 again.
            let hashStart = clock.now
            for file in files { checksum &+= Int(UnitHash(hashing: file.canonicalBytes).bytes[1]) }
            hashTimes.append(milliseconds(clock.now - hashStart))

            let xfleetStart = clock.now
            for (unit, file) in zip(units, files) {
                do {
                    let options = try XFleetOptions(unitFile: file, name: unit.name)
                    checksum &+= options.requirements.conflicts.count + options.warnings.count
                } catch {
                    fatalError("generated unit \(unit.name) has invalid X-Fleet options: \(error)")
                }
            }
            xfleetTimes.append(milliseconds(clock.now - xfleetStart))
        }
        let parse = parseTimes.sorted()
        let xfleet = xfleetTimes.sorted()
        let hash = hashTimes.sorted()
        print("parse + hash:  best \(format(parse[0])) ms, median \(format(parse[rounds / 2])) ms"
            + " for \(fileCount) files (\(format(parse[0] * 1000 / Double(fileCount))) µs/file,"
            + " \(format(Double(bytes) / 1_048_576 / (parse[0] / 1000))) MiB/s)")
        print("  target \(format(targetMilliseconds)) ms: best is \(format(parse[0] / targetMilliseconds * 100))% of target"
            + " (ratio \(format(parse[0] / targetMilliseconds, digits: 3)))")
        print("  of which serialization + SHA-1: best \(format(hash[0])) ms")
        print("X-Fleet parse: best \(format(xfleet[0])) ms, median \(format(xfleet[rounds / 2])) ms for \(fileCount) files")
        print("(checksum \(checksum))")
    }

    struct GeneratedUnit {
        var name: UnitName
        var text: String
    }

    /// Realistic files: services, sockets, timers and template instances, 3–60 options,
    /// comments, continuation lines, and an [X-Fleet] section in most of them.
    static func generate(count: Int) -> [GeneratedUnit] {
        var rng = Generator(seed: 0x5EED)
        var out: [GeneratedUnit] = []
        out.reserveCapacity(count)
        let images = ["nginx", "redis", "postgres", "etcd", "app", "worker", "api", "cache"]
        for i in 0..<count {
            let image = images[rng.next(images.count)]
            let kind = rng.next(10)
            let nameText: String
            switch kind {
            case 0: nameText = "\(image)-\(i).socket"
            case 1: nameText = "\(image)-\(i).timer"
            case 2, 3: nameText = "\(image)@\(i).service"
            default: nameText = "\(image)-\(i).service"
            }
            var t = ""
            if rng.next(3) == 0 { t += "# \(image) unit generated for the benchmark\n# second comment line\n" }
            t += "[Unit]\nDescription=\(image) number \(i) of the fleet benchmark\n"
            t += "After=docker.service network-online.target\nRequires=docker.service\n"
            for d in 0..<rng.next(4) { t += "Wants=\(image)-dep\(d).service\n" }
            t += "\n[Service]\n"
            t += "TimeoutStartSec=0\nRestart=always\nRestartSec=\(rng.next(30))\n"
            t += "EnvironmentFile=/etc/environment\n"
            for e in 0..<rng.next(12) { t += "Environment=\"VAR_\(e)=value-\(rng.next(100_000))\"\n" }
            t += "ExecStartPre=-/usr/bin/docker kill \(image)\(i)\n"
            t += "ExecStartPre=-/usr/bin/docker rm \(image)\(i)\n"
            if rng.next(2) == 0 {
                t += "ExecStart=/usr/bin/docker run --rm --name \(image)\(i) \\\n"
                t += "  -p \(8000 + rng.next(1000)):80 \\\n  -v /srv/\(image):/data \\\n  example/\(image):latest\n"
            } else {
                t += "ExecStart=/usr/bin/docker run --rm --name \(image)\(i) -p \(8000 + rng.next(1000)):80 example/\(image)\n"
            }
            t += "ExecStop=/usr/bin/docker stop \(image)\(i)\n"
            for l in 0..<rng.next(20) { t += "LimitOption\(l)=\(rng.next(1 << 20))\n" }
            if rng.next(2) == 0 { t += "\n[Install]\nWantedBy=multi-user.target\n" }
            if rng.next(5) != 0 {
                t += "\n[X-Fleet]\n"
                switch rng.next(5) {
                case 0:
                    t += "Global=true\nMachineMetadata=role=worker\n"
                case 1:
                    t += "MachineOf=\(image)-db.service\nMachineMetadata=\"region=us-east\" \"disk=ssd\"\n"
                case 2:
                    t += "Conflicts=%p@*.service\nConflicts=\(image)-*.service\nMachineMetadata=region=eu\n"
                case 3:
                    t += "MachineID=\(String(repeating: "0123456789abcdef", count: 2))\n"
                default:
                    t += "X-Conflicts=\(image)*.service\nX-ConditionMachineMetadata=zone=\(rng.next(3))\n"
                }
            }
            guard let name = try? UnitName(nameText) else { fatalError("bad generated name \(nameText)") }
            out.append(GeneratedUnit(name: name, text: t))
        }
        return out
    }

    /// SplitMix64: deterministic, so every run measures the same files.
    struct Generator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    static func format(_ x: Double, digits: Int = 1) -> String {
        // Integer rounding of a non-negative figure: keeps this target free of libm.
        var scale = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int(x * Double(scale) + 0.5)
        let fraction = String(scaled % scale)
        return "\(scaled / scale)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}
