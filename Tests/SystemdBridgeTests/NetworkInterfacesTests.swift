import Foundation
import Testing
import SystemdBridge

@Suite struct NetworkInterfacesTests {
    let header = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"

    @Test func findsTheDefaultRouteWithTheLowestMetric() {
        let table = header
            + "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
            + "wlan0\t00000000\t010A000A\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
            + "eth1\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
        #expect(NetworkInterfaces.defaultRouteInterface(routeTable: table) == "eth1")
    }

    @Test func ignoresRoutesThatAreDownOrNotDefault() {
        let table = header
            + "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
            + "eth1\t00000000\t010200C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n"  // not RTF_UP
        #expect(NetworkInterfaces.defaultRouteInterface(routeTable: table) == nil)
        #expect(NetworkInterfaces.defaultRouteInterface(routeTable: "") == nil)
    }

    @Test func listsTheLoopbackAddress() throws {
        let addresses = try NetworkInterfaces.ipv4Addresses()
        #expect(addresses.contains(NetworkInterfaces.Address(interface: "lo", address: "127.0.0.1")))
    }

    @Test func theDefaultRouteAddressBelongsToTheDefaultInterface() throws {
        let interface = NetworkInterfaces.defaultRouteInterface(routeTable: try String(contentsOfFile: "/proc/net/route", encoding: .utf8))
        let detected = NetworkInterfaces.defaultRouteIPv4()
        guard let interface else {
            #expect(detected == nil)
            return
        }
        let own = try NetworkInterfaces.ipv4Addresses().filter { $0.interface == interface }.map(\.address)
        #expect(detected == own.first)
        #expect(detected != "127.0.0.1")
    }
}
