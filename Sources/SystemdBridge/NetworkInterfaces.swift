#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The local network configuration fleetd needs to find its public IP when `public_ip` is
/// unset: the interface of the default route and its IPv4 address. Reads only the kernel's
/// tables; never sends a packet.
public enum NetworkInterfaces {
    /// One IPv4 address of an interface.
    public struct Address: Sendable, Hashable {
        /// The interface name (`eth0`).
        public var interface: String
        /// Dotted quad (`192.0.2.10`).
        public var address: String

        /// - Parameters: each field as documented on its property.
        public init(interface: String, address: String) {
            self.interface = interface
            self.address = address
        }
    }

    /// The interface of the default IPv4 route, from the text of `/proc/net/route`: the up
    /// route with destination and mask 0 and the lowest metric.
    /// - Returns: nil when the table has no default route.
    public static func defaultRouteInterface(routeTable: String) -> String? {
        var best: (interface: String, metric: Int)?
        for line in routeTable.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard fields.count >= 8, let flags = Int(fields[3], radix: 16), let metric = Int(fields[6]) else { continue }
            let isUp = flags & 0x1 != 0  // RTF_UP
            guard isUp, fields[1] == "00000000", fields[7] == "00000000" else { continue }
            if best == nil || metric < best!.metric { best = (String(fields[0]), metric) }
        }
        return best?.interface
    }

    /// Every IPv4 address of every interface, in the order `getifaddrs(3)` lists them.
    /// - Throws: `SystemdError` (operation `getifaddrs`) when the table cannot be read.
    public static func ipv4Addresses() throws(SystemdError) -> [Address] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0 else { throw SystemdError(operation: "getifaddrs", errno: errno) }
        defer { freeifaddrs(head) }
        var result: [Address] = []
        var cursor = head
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let socketAddress = entry.pointee.ifa_addr, socketAddress.pointee.sa_family == sa_family_t(AF_INET),
                  let name = entry.pointee.ifa_name else { continue }
            let ipv4 = UnsafeRawPointer(socketAddress).loadUnaligned(as: sockaddr_in.self)
            // s_addr is in network byte order: its bytes in memory are the dotted quad's.
            let octets = withUnsafeBytes(of: ipv4.sin_addr.s_addr) { Array($0) }
            result.append(Address(interface: String(cString: name), address: octets.map(String.init).joined(separator: ".")))
        }
        return result
    }

    /// The IPv4 address of the default route's interface, as the original's autodetection.
    /// - Parameter routeTablePath: the kernel's routing table.
    /// - Returns: nil when there is no default route, or its interface has no IPv4 address.
    public static func defaultRouteIPv4(routeTablePath: String = "/proc/net/route") -> String? {
        guard let table = readText(routeTablePath), let interface = defaultRouteInterface(routeTable: table),
              let addresses = try? ipv4Addresses() else { return nil }
        return addresses.first { $0.interface == interface }?.address
    }

    private static func readText(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
