import Testing
@testable import FleetCore

@Suite struct FleetConfigurationTests {
    @Test func defaultsMatchTheOriginal() throws {
        let (configuration, warnings) = try FleetConfiguration.load()
        #expect(warnings.isEmpty)
        #expect(configuration.etcdServers == ["http://127.0.0.1:2379", "http://127.0.0.1:4001"])
        #expect(configuration.etcdRequestTimeout == .seconds(1))
        #expect(configuration.etcdKeyPrefix == "/_coreos.com/fleet/")
        #expect(configuration.agentTTL == .seconds(30))
        #expect(configuration.engineReconcileInterval == .seconds(2))
        #expect(configuration.tokenLimit == 100)
        #expect(configuration.unitsDirectory == "/run/fleet/units/")
        #expect(configuration.disableEngine == false)
        #expect(configuration.systemdUser == false)
        #expect(configuration.fenceOnDisconnect == false)
    }

    @Test func fileThenEnvironmentThenFlags() throws {
        let file = """
            # fleet.conf
            ; also a comment
            agent_ttl = "10s"
            metadata="region=us-east,disk=ssd"
            public_ip=10.0.0.5
            etcd_request_timeout=2.5
            """
        let (configuration, _) = try FleetConfiguration.load(
            file: file,
            environment: ["FLEET_AGENT_TTL": "20s", "FLEET_PUBLIC_IP": "10.0.0.6", "HOME": "/root"],
            flags: [("public_ip", "10.0.0.7")]
        )
        #expect(configuration.agentTTL == .seconds(20))
        #expect(configuration.publicIP == "10.0.0.7")
        #expect(configuration.metadata == ["region": "us-east", "disk": "ssd"])
        #expect(configuration.etcdRequestTimeout == .milliseconds(2500))
    }

    @Test func metadataStripsSpacesAndQuotesAndLastDuplicateWins() throws {
        let parsed = try FleetConfiguration.parseMetadata(#" region = "us-west" , disk=ssd,region=eu ,"#).get()
        #expect(parsed == ["region": "eu", "disk": "ssd"])
        #expect(throws: MetadataSyntaxError.self) { try FleetConfiguration.parseMetadata("region").get() }
        #expect(throws: MetadataSyntaxError.self) { try FleetConfiguration.parseMetadata("=x").get() }
    }

    @Test func badValuesNameTheOptionAndTheSource() {
        #expect(throws: ConfigurationError(option: "agent_ttl", source: "environment variable FLEET_AGENT_TTL", value: "30",
                                           problem: "expected a duration of at least 1s, like \"30s\"")) {
            try FleetConfiguration.load(environment: ["FLEET_AGENT_TTL": "30"])
        }
        #expect(throws: ConfigurationError.self) { try FleetConfiguration.load(file: "token_limit=0") }
        #expect(throws: ConfigurationError.self) { try FleetConfiguration.load(file: "disable_engine=yes") }
        #expect(throws: ConfigurationError.self) { try FleetConfiguration.load(file: "etcd_servers=127.0.0.1:2379") }
        #expect(throws: ConfigurationError.self) { try FleetConfiguration.load(file: "just a line") }
        #expect(throws: ConfigurationError.self) { try FleetConfiguration.load(flags: [("metadata", "a=1,b")]) }
    }

    @Test func ignoredAndUnknownOptionsWarn() throws {
        let (configuration, warnings) = try FleetConfiguration.load(
            file: "enable_grpc=true\nverify_units=true\nauthorized_keys_file=/x\nbogus=1\n")
        #expect(configuration == FleetConfiguration())
        #expect(warnings.count == 4)
        #expect(warnings[0].contains("enable_grpc"))
        #expect(warnings[3].contains("unknown option bogus"))
    }

    @Test func hiddenTestOptionsParseButStayOutOfTheUsage() throws {
        let defaults = FleetConfiguration()
        #expect(defaults.unitManager == .systemd)
        #expect(defaults.apiSocket == "/var/run/fleet.sock")
        #expect(defaults.machineID.isEmpty)
        let (configuration, warnings) = try FleetConfiguration.load(
            environment: ["FLEET_MACHINE_ID": "0123456789ABCDEF0123456789abcdef"],
            flags: [("unit_manager", "memory"), ("api_socket", "/tmp/x/fleet.sock")])
        #expect(warnings.isEmpty)
        #expect(configuration.unitManager == .memory)
        #expect(configuration.apiSocket == "/tmp/x/fleet.sock")
        #expect(configuration.machineID == "0123456789abcdef0123456789abcdef")
        #expect(throws: ConfigurationError.self) { try FleetConfiguration.load(flags: [("unit_manager", "docker")]) }
        #expect(throws: ConfigurationError.self) { try FleetConfiguration.load(flags: [("api_socket", "fleet.sock")]) }
        #expect(throws: ConfigurationError.self) { try FleetConfiguration.load(flags: [("machine_id", "abc")]) }
        #expect(try FleetdCommandLine.parse(["-unit_manager=memory"]) == .run(configFile: nil, flags: [.init(name: "unit_manager", value: "memory")]))
        for hidden in FleetConfiguration.hiddenOptions {
            #expect(!FleetdCommandLine.usage.contains("-\(hidden)"))
        }
        #expect(FleetdCommandLine.usage.contains("-agent_ttl"))
    }

    @Test func goBooleansAndDurations() {
        for text in ["1", "t", "T", "TRUE", "true", "True"] { #expect(GoValues.bool(text) == true) }
        for text in ["0", "f", "F", "FALSE", "false", "False"] { #expect(GoValues.bool(text) == false) }
        #expect(GoValues.bool("yes") == nil)
        #expect(GoValues.duration("30s") == .seconds(30))
        #expect(GoValues.duration("1m30s") == .seconds(90))
        #expect(GoValues.duration("1.5h") == .seconds(5400))
        #expect(GoValues.duration("500ms") == .milliseconds(500))
        #expect(GoValues.duration("0") == .zero)
        #expect(GoValues.duration("30") == nil)
        #expect(GoValues.duration("s") == nil)
        #expect(GoValues.duration("5x") == nil)
        #expect(GoValues.format(.seconds(30)) == "30s")
        #expect(GoValues.format(.seconds(90)) == "1m30s")
        #expect(GoValues.format(.milliseconds(500)) == "500ms")
        #expect(GoValues.format(.milliseconds(1500)) == "1.5s")
    }
}

@Suite struct FleetdCommandLineTests {
    @Test func versionInEveryOriginalSpelling() throws {
        #expect(try FleetdCommandLine.parse(["version"]) == .version)
        #expect(try FleetdCommandLine.parse(["-version"]) == .version)
        #expect(try FleetdCommandLine.parse(["--version"]) == .version)
    }

    @Test func configAndOptionFlagsInGoSyntax() throws {
        let parsed = try FleetdCommandLine.parse(["-config", "/tmp/f.conf", "--agent_ttl=5s", "-disable_engine", "-metadata", "a=1"])
        #expect(parsed == .run(configFile: "/tmp/f.conf", flags: [
            .init(name: "agent_ttl", value: "5s"), .init(name: "disable_engine", value: "true"), .init(name: "metadata", value: "a=1"),
        ]))
        #expect(try FleetdCommandLine.parse(["--config=/x"]) == .run(configFile: "/x", flags: []))
        #expect(try FleetdCommandLine.parse([]) == .run(configFile: nil, flags: []))
    }

    @Test func anythingElseIsAnErrorThatSuggestsFleetctl() {
        #expect(throws: FleetdUsageError.self) { try FleetdCommandLine.parse(["start", "hello.service"]) }
        #expect((try? FleetdCommandLine.parse(["list-units"])) == nil)
        do {
            _ = try FleetdCommandLine.parse(["list-units"])
        } catch {
            #expect(error.description.contains("fleetctl"))
        }
        #expect(throws: FleetdUsageError("flag provided but not defined: -bogus")) { try FleetdCommandLine.parse(["-bogus"]) }
        #expect(throws: FleetdUsageError("flag needs an argument: -config")) { try FleetdCommandLine.parse(["-config"]) }
    }
}
